"""Management's messages to people (stored as keys with parameters, rendered in the reader's language)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import register

register(
    "management.plan_overdue",
    text=_("Improvement plan “%(problem)s” is past its deadline (%(deadline)s): please finish it or say why."),
    subject=_("Improvement plan overdue"),
    label=_("Improvement plan overdue"),
    icon="bi-clipboard-check text-danger",
)
register(
    "management.report_ready",
    text=_("The management report for %(month)s is ready."),
    subject=_("Management report %(month)s"),
    label=_("Management report"),
    icon="bi-file-earmark-bar-graph",
)
register(
    "management.run_approved",
    text=_("Your scorecard for %(month)s (%(scheme)s) is approved: %(score)s points."),
    subject=_("Your scorecard for %(month)s"),
    label=_("Scorecard approved"),
    icon="bi-award",
)
