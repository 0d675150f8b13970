"""The survey's versions. A published version is never changed (answers point at it): an
administrator copies it into a draft, edits the draft and publishes it, which retires the old one."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from aftersales.core.audit import audit_record
from aftersales.core.states import transition_apply

from .. import defaults
from ..choices import TEMPLATE_TRANSITIONS, TemplateAction, TemplateStatus
from ..models import SurveyQuestion, SurveyReason, SurveyTemplate


def _next_version() -> int:
    return (SurveyTemplate.objects.aggregate(v=Max("version"))["v"] or 0) + 1


@transaction.atomic
def template_default_ensure(*, actor=None) -> SurveyTemplate:
    """The version in use; the first one (the seed texts) is created when there is none."""
    current = SurveyTemplate.objects.filter(status=TemplateStatus.PUBLISHED).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            template = SurveyTemplate.objects.create(
                version=_next_version(),
                name=defaults.TEMPLATE_NAME,
                status=TemplateStatus.PUBLISHED,
                call_script=defaults.CALL_SCRIPT,
                intro=defaults.INTRO,
                published_at=timezone.now(),
            )
    except IntegrityError:  # published concurrently: use that one
        return SurveyTemplate.objects.get(status=TemplateStatus.PUBLISHED)
    SurveyReason.objects.bulk_create(
        SurveyReason(
            template=template,
            code=code,
            label=label,
            min_score=low,
            max_score=high,
            opens_remedy=opens,
            remedy_kind=kind,
            complaint_category=category,
            order=i,
        )
        for i, (code, label, low, high, opens, kind, category) in enumerate(defaults.REASONS)
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(template=template, service_type=service_type, text=text, kind=kind, required=required, order=i)
        for i, (service_type, text, kind, required) in enumerate(defaults.QUESTIONS)
    )
    audit_record(actor=actor, action="survey_template.create", obj=template, changes={"version": [None, 1]})
    return template


@transaction.atomic
def template_copy(*, actor, template: SurveyTemplate) -> SurveyTemplate:
    """A draft copy of ``template`` (questions and reasons too), to edit and publish."""
    source = SurveyTemplate.objects.get(pk=template.pk)
    copy = SurveyTemplate.objects.create(
        version=_next_version(),
        name=source.name,
        status=TemplateStatus.DRAFT,
        call_script=source.call_script,
        intro=source.intro,
    )
    SurveyReason.objects.bulk_create(
        SurveyReason(
            template=copy,
            code=r.code,
            label=r.label,
            min_score=r.min_score,
            max_score=r.max_score,
            opens_remedy=r.opens_remedy,
            remedy_kind=r.remedy_kind,
            complaint_category=r.complaint_category,
            order=r.order,
        )
        for r in source.reasons.all()
    )
    SurveyQuestion.objects.bulk_create(
        SurveyQuestion(
            template=copy, service_type=q.service_type, text=q.text, kind=q.kind, required=q.required, order=q.order
        )
        for q in source.questions.all()
    )
    audit_record(actor=actor, action="survey_template.copy", obj=copy, changes={"from_version": [None, source.version]})
    return copy


@transaction.atomic
def template_publish(*, actor, template: SurveyTemplate) -> SurveyTemplate:
    """Put a draft in use; the version in use until now is retired (follow-ups already
    scheduled keep the version they were scheduled with)."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    current = SurveyTemplate.objects.select_for_update().filter(status=TemplateStatus.PUBLISHED).first()
    transition_apply(template, TEMPLATE_TRANSITIONS, TemplateAction.PUBLISH)
    if current is not None:
        transition_apply(current, TEMPLATE_TRANSITIONS, TemplateAction.RETIRE)
        current.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor, action="survey_template.retire", obj=current, changes={"status": ["published", "retired"]}
        )
    template.published_at = timezone.now()
    template.save(update_fields=["status", "published_at", "updated_at"])
    audit_record(
        actor=actor, action="survey_template.publish", obj=template, changes={"status": ["draft", "published"]}
    )
    return template
