"""Every write of the management app: scorecard schemes and runs, improvement plans, reports."""

from .plans import (
    plan_create,
    plan_effect,
    plan_periods,
    plan_reminders_send,
    plan_transition,
    plan_update,
)
from .reports import (
    report_content,
    report_generate,
    report_request,
    report_retry,
    report_run_now,
    reports_stalled_fail,
)
from .scorecards import lines_check, run_approve, run_compute, scheme_create, scheme_update

__all__ = [
    "lines_check",
    "plan_create",
    "plan_effect",
    "plan_periods",
    "plan_reminders_send",
    "plan_transition",
    "plan_update",
    "report_content",
    "report_generate",
    "report_request",
    "report_retry",
    "report_run_now",
    "reports_stalled_fail",
    "run_approve",
    "run_compute",
    "scheme_create",
    "scheme_update",
]
