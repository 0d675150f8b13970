"""The follow-up pages' forms. They check the shape of the input; the services check the rules.
The survey's answers are read straight from the posted fields (``answers_from_post``) and
checked by ``services.survey_answers_clean`` against the template's version."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.core.formfields import DayField
from aftersales.core.forms import BootstrapMixin
from aftersales.core.ranges import EARLIEST_DAY, LATEST_DAY

from .choices import CallOutcome, Dimension, RemedyOutcome
from .selectors import agents_for_assignment


class CallForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome of the call"), choices=CallOutcome.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    no_survey = forms.BooleanField(label=_("The customer did not want to answer the survey"), required=False)


class AssignForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    agent = forms.ModelChoiceField(label=_("Agent"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents_for_assignment()
        self.fields["agent"].label_from_instance = lambda u: f"{u.display_name} · {u.get_role_display()}"


class RemedyResolveForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=RemedyOutcome.choices)
    note = forms.CharField(label=_("What was done"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class PeriodForm(BootstrapMixin, forms.Form):
    control_size = "sm"
    start = DayField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = DayField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        for name in ("start", "end"):
            day = data.get(name)
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                self.add_error(name, _("Enter a date between %(a)s and %(b)s.") % {"a": EARLIEST_DAY, "b": LATEST_DAY})
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        return data

    def period(self) -> tuple[dt.datetime, dt.datetime, dt.date, dt.date]:
        """[start, end) as aware datetimes (default: the last 30 days, today included)."""
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end_day = data.get("end") or today
        start_day = data.get("start") or end_day - dt.timedelta(days=29)
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(start_day, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end, start_day, end_day


SCORES = ("overall", *(d.value for d in Dimension), "recommend")


def answers_from_post(post, questions) -> dict:
    """The survey's answers as posted (``overall``, the dimensions, ``recommend``, ``reasons``,
    ``comment``, ``q_<id>``) in the shape the survey service checks."""
    answers = {name: post.get(name, "") for name in SCORES}
    answers["reasons"] = [code for code in post.getlist("reasons") if code]
    answers["comment"] = post.get("comment", "")
    answers["extra"] = {str(q.pk): post.get(f"q_{q.pk}", "") for q in questions}
    return answers


def answers_posted(post) -> bool:
    """Did the agent fill in any of the survey?"""
    return any((post.get(name) or "").strip() for name in SCORES) or bool(post.getlist("reasons"))
