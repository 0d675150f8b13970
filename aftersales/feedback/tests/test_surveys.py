"""Surveys (R-FB-2): the answers checked against the template's version, the customer's tokenised
link (answerable once, changeable for a grace period, expiring — each on both sides of its
boundary), and the template's versions."""

from __future__ import annotations

import datetime as dt

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.feedback.choices import Dimension
from aftersales.feedback.models import FollowUp, Survey, SurveyTemplate
from aftersales.feedback.selectors import policy_get, template_current
from aftersales.feedback.services import (
    LinkClosed,
    followup_record,
    survey_answer_link,
    survey_answers_clean,
    survey_expire_due,
    template_copy,
    template_default_ensure,
    template_publish,
)

from .factories import GOOD, LOW, at, completed_request

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


@pytest.fixture
def link(manager, technician, agent):
    """A follow-up nobody answered three times: the customer got the survey link."""
    _request, followup = completed_request({Role.MANAGER: manager}, technician=technician, at=at(2026, 3, 3, 15))
    moment = followup.due_from
    for _ in range(policy_get().max_attempts):
        followup = followup_record(actor=agent, followup=followup, outcome="no_answer", now=moment)
        moment = followup.next_call_at
    survey = Survey.objects.get(followup=followup)
    assert survey.status == "sent"
    return survey


# --- the answers ---------------------------------------------------------------------------------


def test_answers_are_checked_against_the_template():
    template = template_default_ensure()
    repair = template.questions.get(service_type="repair")
    anything = template.questions.get(service_type="")
    cleaned = survey_answers_clean(
        template, "repair", {**GOOD, "extra": {str(repair.pk): "yes", str(anything.pk): "  更准时  "}}
    )
    assert cleaned["overall"] == 4 and cleaned["recommend"] == 9 and cleaned["reasons"] == ["punctual"]
    assert cleaned["extra"] == {str(repair.pk): "yes", str(anything.pk): "更准时"}
    # Strings from a form are numbers too; dimensions and the recommendation may be skipped.
    assert survey_answers_clean(template, "repair", {"overall": "5"})["tangibles"] is None


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({}, "overall"),
        ({"overall": 0}, "overall"),
        ({"overall": 6}, "overall"),
        ({"overall": "great"}, "overall"),
        ({"overall": 4, "reliability": 6}, "reliability"),
        ({"overall": 4, "recommend": 11}, "recommend"),
        ({"overall": 4, "recommend": -1}, "recommend"),
        ({"overall": 5, "reasons": ["late"]}, "reasons"),  # "late" is offered for 1–3 only
        ({"overall": 2, "reasons": ["punctual"]}, "reasons"),  # and "on time" for 4–5
        ({"overall": 2, "reasons": ["nonsense"]}, "reasons"),
        ({"overall": 2, "comment": "x" * 2001}, "comment"),
        ({"overall": 2, "mood": "sad"}, "mood"),
    ],
)
def test_bad_answers_name_their_field(answers, field):
    with pytest.raises(ValidationFailed) as exc:
        survey_answers_clean(template_default_ensure(), "repair", answers)
    assert field in exc.value.fields


def test_extra_questions_depend_on_the_service_type():
    template = template_default_ensure()
    install = template.questions.get(service_type="installation")
    with pytest.raises(ValidationFailed) as exc:  # an installation question on a repair
        survey_answers_clean(template, "repair", {"overall": 4, "extra": {str(install.pk): "yes"}})
    assert f"extra.{install.pk}" in exc.value.fields
    assert survey_answers_clean(template, "installation", {"overall": 4, "extra": {str(install.pk): "no"}})["extra"]
    with pytest.raises(ValidationFailed):
        survey_answers_clean(template, "installation", {"overall": 4, "extra": {str(install.pk): "maybe"}})


def test_the_reason_boundaries():
    template = template_default_ensure()
    # "Problem not fixed" is offered up to 4, not at 5.
    assert survey_answers_clean(template, "repair", {"overall": 4, "reasons": ["not_fixed"]})["reasons"] == [
        "not_fixed"
    ]
    with pytest.raises(ValidationFailed):
        survey_answers_clean(template, "repair", {"overall": 5, "reasons": ["not_fixed"]})
    # "Late" up to 3, not at 4.
    assert survey_answers_clean(template, "repair", {"overall": 3, "reasons": ["late"]})["reasons"] == ["late"]
    with pytest.raises(ValidationFailed):
        survey_answers_clean(template, "repair", {"overall": 4, "reasons": ["late"]})


# --- the customer's link -----------------------------------------------------------------------


def test_the_link_is_answered_once_and_closes_the_follow_up(link, agent, technician):
    moment = link.created_at + dt.timedelta(hours=5)
    survey = survey_answer_link(survey=link, answers=GOOD, now=moment)
    assert (survey.status, survey.answered_at, survey.overall) == ("answered", moment, 4)
    assert survey.revisable_until == moment + dt.timedelta(minutes=30)
    assert (survey.channel, survey.agent, survey.technician) == ("link", agent, technician)
    followup = FollowUp.objects.get(pk=survey.followup_id)
    assert (followup.status, followup.result) == ("done", "link_answered")
    notes = [e.text for e in survey.request.events.filter(kind="note")]
    assert "Satisfaction survey (Through the link): overall 4/5, likelihood to recommend 9/10." in notes


def test_answers_can_be_changed_until_the_grace_period_ends(link):
    moment = link.created_at + dt.timedelta(hours=1)
    survey = survey_answer_link(survey=link, answers=GOOD, now=moment)
    end = survey.revisable_until
    survey = survey_answer_link(survey=survey, answers={**GOOD, "overall": 5, "reasons": []}, now=end - MIN)
    assert (survey.overall, survey.revised_at, survey.answered_at) == (5, end - MIN, moment)
    with pytest.raises(LinkClosed) as exc:
        survey_answer_link(survey=survey, answers={**GOOD, "overall": 1, "reasons": []}, now=end)
    assert exc.value.status == 410 and exc.value.code == "link_answered"
    survey.refresh_from_db()
    assert survey.overall == 5


def test_the_link_expires(link):
    with pytest.raises(LinkClosed) as exc:
        survey_answer_link(survey=link, answers=GOOD, now=link.expires_at)
    assert exc.value.code == "link_expired"
    link.refresh_from_db()
    assert link.status == "sent"  # nothing written
    survey = survey_answer_link(survey=link, answers=GOOD, now=link.expires_at - MIN)
    assert survey.status == "answered"


def test_expired_links_close_their_follow_ups(link):
    assert survey_expire_due(now=link.expires_at - MIN) == 0
    assert survey_expire_due(now=link.expires_at) == 1
    link.refresh_from_db()
    followup = FollowUp.objects.get(pk=link.followup_id)
    assert (link.status, followup.status, followup.result) == ("expired", "closed", "not_reached")
    with pytest.raises(LinkClosed):
        survey_answer_link(survey=link, answers=GOOD, now=link.expires_at - MIN)


def test_bad_answers_through_the_link_write_nothing(link):
    with pytest.raises(ValidationFailed):
        survey_answer_link(survey=link, answers={"overall": 9}, now=link.created_at)
    link.refresh_from_db()
    assert link.status == "sent" and link.overall is None


def test_a_low_answer_through_the_link_opens_a_remedy(link):
    survey = survey_answer_link(survey=link, answers=LOW, now=link.created_at)
    assert survey.remedy.kind == "return_visit"


def test_changing_to_a_low_answer_in_the_grace_period_opens_the_remedy_once(link):
    survey = survey_answer_link(survey=link, answers=GOOD, now=link.created_at)
    assert not hasattr(survey, "remedy")
    survey = survey_answer_link(survey=survey, answers=LOW, now=link.created_at + MIN)
    remedy = survey.remedy
    survey = survey_answer_link(
        survey=survey, answers={**LOW, "overall": 1, "reasons": []}, now=link.created_at + 2 * MIN
    )
    assert Survey.objects.get(pk=survey.pk).remedy == remedy


# --- templates -------------------------------------------------------------------------------------


def test_templates_are_versioned(admin_user):
    first = template_default_ensure()
    assert template_default_ensure() == first and first.version == 1
    draft = template_copy(actor=admin_user, template=first)
    assert (draft.version, draft.status) == (2, "draft")
    assert draft.reasons.count() == first.reasons.count() and draft.questions.count() == first.questions.count()
    draft.reasons.filter(code="price").update(label="收费不合理")
    template_publish(actor=admin_user, template=draft)
    first.refresh_from_db()
    assert (first.status, template_current()) == ("retired", draft)
    with pytest.raises(IllegalTransition):
        template_publish(actor=admin_user, template=first)
    assert SurveyTemplate.objects.filter(status="published").count() == 1


def test_a_call_keeps_the_version_it_was_scheduled_with(manager, technician, agent, admin_user):
    _request, followup = completed_request({Role.MANAGER: manager}, technician=technician)
    old = followup.template
    template_publish(actor=admin_user, template=template_copy(actor=admin_user, template=old))
    followup = followup_record(actor=agent, followup=followup, outcome="reached", answers=GOOD)
    assert followup.survey.template == old


def test_defaults_are_shown_in_the_readers_language():
    from django.utils import translation

    template = template_default_ensure()
    reason = template.reasons.get(code="not_fixed")
    with translation.override("zh-hans"):
        assert reason.display_label != "Problem not fixed"
    with translation.override("en"):
        assert reason.display_label == "Problem not fixed"
    assert {d.value for d in Dimension} == {"tangibles", "reliability", "responsiveness", "assurance", "empathy"}
