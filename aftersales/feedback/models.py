"""Follow-up calls, satisfaction surveys and remedies (R-FB-1..3).

Statuses move only through ``services`` (the tables in ``choices``). Survey templates are
versioned: a published version is never edited (answers point at the exact version they
answered); an administrator edits a draft copy and publishes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.models import Organization
from aftersales.core.models import ChoiceLabels, ImmutableModel, TimeStampedModel
from aftersales.customers.models import Customer
from aftersales.tickets.choices import ServiceType
from aftersales.tickets.models import ServiceRequest

from .choices import (
    OPEN_FOLLOWUP_STATUSES,
    CallOutcome,
    ComplaintCategory,
    Dimension,
    FollowUpKind,
    FollowUpResult,
    FollowUpStatus,
    QuestionKind,
    RemedyKind,
    RemedyOutcome,
    RemedyStatus,
    SurveyChannel,
    SurveyStatus,
    TemplateStatus,
)
from .defaults import template_text

USER = settings.AUTH_USER_MODEL


class FeedbackPolicy(models.Model):
    """The follow-up rules an administrator may change (one row). The call window itself is the
    SLA app's follow-up window (``sla.FollowUpWindow``, default 24–72 h after completion)."""

    retry_after_hours = models.PositiveSmallIntegerField(
        _("call again after (working hours)"),
        default=4,
        help_text=_("After no answer or a busy line, the next call is due this many hours of working time later."),
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("calls before the survey link"),
        default=3,
        help_text=_("After this many unanswered calls the customer gets the survey link by message."),
    )
    link_valid_hours = models.PositiveIntegerField(_("survey link valid for (hours)"), default=7 * 24)
    revise_grace_minutes = models.PositiveIntegerField(
        _("answers may be changed for (minutes)"), default=30, help_text=_("After answering through the link.")
    )
    remedy_overall_max = models.PositiveSmallIntegerField(_("remedy when overall satisfaction is at most"), default=3)
    remedy_dimension_max = models.PositiveSmallIntegerField(
        _("remedy when any quality dimension is at most"), default=2
    )
    remedy_recommend_max = models.PositiveSmallIntegerField(
        _("remedy when the likelihood to recommend is at most"),
        null=True,
        blank=True,
        help_text=_("Empty: the recommendation score opens no remedy."),
    )
    complaint_hours = models.PositiveIntegerField(
        _("complaint remedy due within (hours)"), default=24, help_text=_("Counted on working days.")
    )
    return_visit_hours = models.PositiveIntegerField(
        _("return visit due within (hours)"), default=48, help_text=_("Counted on working days.")
    )
    recheck_hours = models.PositiveIntegerField(
        _("ask again within (hours) after a remedy"), default=72, help_text=_("Counted on working days.")
    )

    class Meta:
        verbose_name = _("follow-up policy")
        verbose_name_plural = _("follow-up policy")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_attempts__gte=1) & Q(max_attempts__lte=10), name="fb_policy_attempts"
            ),
            models.CheckConstraint(
                condition=Q(remedy_overall_max__lte=5) & Q(remedy_dimension_max__lte=5), name="fb_policy_scores"
            ),
            models.CheckConstraint(
                condition=Q(remedy_recommend_max__isnull=True) | Q(remedy_recommend_max__lte=10),
                name="fb_policy_recommend",
            ),
        ]

    def __str__(self):
        return str(_("Follow-up policy"))


class SurveyTemplate(TimeStampedModel):
    """One version of the satisfaction survey. Only a draft may be edited."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    call_script = models.TextField(
        _("call script (话术)"),
        blank=True,
        help_text=_(
            "What the agent says. Placeholders: {customer}, {agent}, {company}, {number}, {product}, "
            "{technician}, {completed}."
        ),
    )
    intro = models.TextField(_("text above the customer's survey"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=TemplateStatus.PUBLISHED), name="fb_one_published_template"
            )
        ]

    def __str__(self):
        return f"{self.display_name} v{self.version}"

    @property
    def display_name(self) -> str:
        return template_text(self.name)

    @property
    def is_editable(self) -> bool:
        return self.status == TemplateStatus.DRAFT


class SurveyReason(ChoiceLabels, models.Model):
    """A reason code the customer may give, offered when the overall score is in its range."""

    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="reasons")
    code = models.SlugField(_("code"), max_length=32)
    label = models.CharField(_("label"), max_length=100)
    min_score = models.PositiveSmallIntegerField(_("offered from overall score"), default=1)
    max_score = models.PositiveSmallIntegerField(_("offered up to overall score"), default=3)
    opens_remedy = models.BooleanField(
        _("opens a remedy by itself"), default=False, help_text=_("e.g. “not fixed”, whatever the scores.")
    )
    remedy_kind = models.CharField(
        _("remedy"),
        max_length=16,
        choices=RemedyKind.choices,
        default=RemedyKind.COMPLAINT,
        help_text=_("What this reason calls for when a remedy is opened."),
    )
    complaint_category = models.CharField(
        _("complaint category"), max_length=16, choices=ComplaintCategory.choices, default=ComplaintCategory.OTHER
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("reason code")
        verbose_name_plural = _("reason codes")
        ordering = ["template", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="fb_reason_code_unique"),
            models.CheckConstraint(
                condition=Q(min_score__gte=1) & Q(max_score__lte=5) & Q(min_score__lte=models.F("max_score")),
                name="fb_reason_score_range",
            ),
        ]

    def __str__(self):
        return self.display_label

    @property
    def display_label(self) -> str:
        return template_text(self.label)

    def offered_for(self, overall: int | None) -> bool:
        return overall is not None and self.min_score <= overall <= self.max_score


class SurveyQuestion(ChoiceLabels, models.Model):
    """An extra question, for one service type or for every one."""

    template = models.ForeignKey(SurveyTemplate, on_delete=models.CASCADE, related_name="questions")
    service_type = models.CharField(
        _("service type"),
        max_length=16,
        choices=ServiceType.choices,
        blank=True,
        help_text=_("Empty: asked for every service type."),
    )
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("answer"), max_length=8, choices=QuestionKind.choices, default=QuestionKind.YES_NO)
    required = models.BooleanField(_("required"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["template", "order", "id"]

    def __str__(self):
        return self.display_text

    @property
    def display_text(self) -> str:
        return template_text(self.text)


class FollowUp(TimeStampedModel):
    """One follow-up call to make (R-FB-1): after a completion, or after a remedy (asking again)."""

    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.PROTECT, related_name="followups"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FollowUpKind.choices, default=FollowUpKind.COMPLETION)
    remedy = models.ForeignKey(
        "Remedy",
        verbose_name=_("remedy"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rechecks",
        help_text=_("The remedy this call asks about again."),
    )
    status = models.CharField(_("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    result = models.CharField(_("result"), max_length=16, choices=FollowUpResult.choices, blank=True)
    agent = models.ForeignKey(
        USER, verbose_name=_("agent"), null=True, blank=True, on_delete=models.PROTECT, related_name="followups"
    )
    template = models.ForeignKey(
        SurveyTemplate, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="followups"
    )
    completed_at = models.DateTimeField(_("request completed at"))
    due_from = models.DateTimeField(_("call from"))
    due_by = models.DateTimeField(_("call by"))
    next_call_at = models.DateTimeField(_("next call at"))
    attempts = models.PositiveSmallIntegerField(_("calls made"), default=0)
    closed_at = models.DateTimeField(
        _("followed up at"), null=True, blank=True, help_text=_("When the call's result was recorded.")
    )
    on_time = models.BooleanField(_("on time"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status__in=sorted(OPEN_FOLLOWUP_STATUSES)),
                name="fb_one_open_followup_per_request",
            ),
            models.CheckConstraint(condition=Q(due_by__gte=models.F("due_from")), name="fb_followup_window_order"),
        ]
        indexes = [
            models.Index(fields=["status", "due_by", "id"], name="fb_followup_worklist"),
            models.Index(fields=["agent", "status", "due_by"], name="fb_followup_agent"),
            models.Index(fields=["due_by"], name="fb_followup_due"),
        ]

    def __str__(self):
        return f"{self.request.number} · {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:followup", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_FOLLOWUP_STATUSES

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.status == FollowUpStatus.OPEN and (now or timezone.now()) > self.due_by


class FollowUpAttempt(ImmutableModel):
    """One call, as the agent recorded it. Never changed."""

    followup = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="calls")
    number = models.PositiveSmallIntegerField(_("call"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    agent = models.ForeignKey(USER, verbose_name=_("agent"), null=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices)
    note = models.TextField(_("note"), blank=True)
    next_call_at = models.DateTimeField(_("next call at"), null=True, blank=True)

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        ordering = ["followup", "number"]
        constraints = [models.UniqueConstraint(fields=["followup", "number"], name="fb_attempt_number_unique")]

    def __str__(self):
        return f"{self.followup_id} #{self.number} {self.outcome}"


def _score(name: str, low: int, high: int) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{name}__isnull": True}) | (Q(**{f"{name}__gte": low}) & Q(**{f"{name}__lte": high})),
        name=f"fb_survey_{name}_range",
    )


class Survey(ChoiceLabels, models.Model):
    """One customer's answers (R-FB-2), in the call or through a tokenised link. Linked to the
    request, the technician, the agent and the partner as they were when it was asked, so every
    score can be attributed."""

    followup = models.OneToOneField(
        FollowUp, verbose_name=_("follow-up"), null=True, blank=True, on_delete=models.PROTECT, related_name="survey"
    )
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.PROTECT, related_name="surveys"
    )
    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(SurveyTemplate, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="+")
    service_type = models.CharField(_("service type"), max_length=16, choices=ServiceType.choices)
    agent = models.ForeignKey(
        USER, verbose_name=_("agent"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    technician = models.ForeignKey(
        USER, verbose_name=_("technician"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("service organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("answered"), max_length=8, choices=SurveyChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.SENT)
    token = models.CharField(max_length=43, unique=True, null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("link expires at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    revisable_until = models.DateTimeField(_("may be changed until"), null=True, blank=True)
    revised_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    overall = models.PositiveSmallIntegerField(_("overall satisfaction"), null=True, blank=True)
    tangibles = models.PositiveSmallIntegerField(Dimension.TANGIBLES.label, null=True, blank=True)
    reliability = models.PositiveSmallIntegerField(Dimension.RELIABILITY.label, null=True, blank=True)
    responsiveness = models.PositiveSmallIntegerField(Dimension.RESPONSIVENESS.label, null=True, blank=True)
    assurance = models.PositiveSmallIntegerField(Dimension.ASSURANCE.label, null=True, blank=True)
    empathy = models.PositiveSmallIntegerField(Dimension.EMPATHY.label, null=True, blank=True)
    recommend = models.PositiveSmallIntegerField(_("likelihood to recommend"), null=True, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    extra = models.JSONField(_("extra answers"), default=dict, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-answered_at", "-id"]
        constraints = [
            _score("overall", 1, 5),
            *[_score(d.value, 1, 5) for d in Dimension],
            _score("recommend", 0, 10),
            models.CheckConstraint(
                condition=~Q(status=SurveyStatus.ANSWERED) | Q(overall__isnull=False, answered_at__isnull=False),
                name="fb_survey_answered_has_scores",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "answered_at"], name="fb_survey_answered"),
            models.Index(fields=["technician", "answered_at"], name="fb_survey_technician"),
            models.Index(fields=["organization", "answered_at"], name="fb_survey_organization"),
            models.Index(fields=["agent", "answered_at"], name="fb_survey_agent"),
        ]

    def __str__(self):
        return f"{self.request.number} · {self.get_channel_display()}"

    def get_absolute_url(self) -> str:
        return reverse("feedback:survey", args=[self.pk])

    def dimension_scores(self) -> list[tuple[str, str, int | None]]:
        return [(d.value, str(d.label), getattr(self, d.value)) for d in Dimension]


class Remedy(ChoiceLabels, models.Model):
    """What a dissatisfied answer starts at once (R-FB-3): a complaint or a return visit (返修),
    due within its own time, for the quality team; its outcome is recorded and the customer is
    asked again after it."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    survey = models.OneToOneField(Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="remedy")
    request = models.ForeignKey(
        ServiceRequest, verbose_name=_("service request"), on_delete=models.PROTECT, related_name="remedies"
    )
    kind = models.CharField(_("remedy"), max_length=16, choices=RemedyKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=RemedyStatus.choices, default=RemedyStatus.OPEN)
    why = models.JSONField(_("why"), default=list, help_text=_("The answers that opened it (stored messages)."))
    assignee = models.ForeignKey(
        USER, verbose_name=_("quality handler"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"))
    complaint = models.ForeignKey(
        "complaints.Complaint",
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The complaint a complaint remedy opened in the complaints app."),
    )
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=16, choices=RemedyOutcome.choices, blank=True)
    outcome_note = models.TextField(_("what was done"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        USER, verbose_name=_("resolved by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("remedy")
        verbose_name_plural = _("remedies")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="fb_remedy_worklist")]

    def __str__(self):
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("feedback:remedy", args=[self.pk])

    def why_text(self) -> list[str]:
        from aftersales.core.messages import render_value

        return [render_value(item) for item in self.why]
