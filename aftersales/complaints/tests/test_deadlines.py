"""The reply deadline by category (R-CMP-1, R-SLA-1; seed 002: attitude 24 h, quality 48 h,
other 72 h), from the SLA app's complaint categories and business calendar — holidays and
make-up days (调休) included — with the moments on both sides of each boundary."""

import datetime as dt

import pytest

from aftersales.complaints.escalation import complaint_sweep
from aftersales.complaints.selectors import complaint_deadline_state
from aftersales.complaints.services import complaint_update
from aftersales.complaints.tests.factories import make_complaint
from aftersales.sla.models import ComplaintCategory
from aftersales.sla.tests.calendars import at

pytestmark = pytest.mark.django_db
S = dt.timedelta(seconds=1)
H = dt.timedelta(hours=1)


def test_the_seeded_categories_are_the_complaints_codes():
    rows = dict(ComplaintCategory.objects.values_list("code", "reply_hours"))
    assert rows == {"attitude": 24, "quality": 48, "delay": 72, "billing": 72, "other": 72}


@pytest.mark.parametrize(
    ("category", "hours"), [("attitude", 24), ("quality", 48), ("delay", 72), ("billing", 72), ("other", 72)]
)
def test_round_the_clock_deadline_by_category(agent, category, hours):
    filed = at(2026, 9, 30, 16)
    c = make_complaint(agent, category=category, now=filed)
    assert (c.due_at, c.deadline_hours, c.deadline_business) == (filed + hours * H, hours, False)
    # 24×7: the National Day holidays do not stop the clock.
    assert c.warning_at == filed + hours * H * 0.8
    assert complaint_deadline_state(c, now=c.warning_at - S).key == "on_time"
    assert complaint_deadline_state(c, now=c.warning_at).key == "at_risk"
    assert complaint_deadline_state(c, now=c.due_at - S).key == "at_risk"
    assert complaint_deadline_state(c, now=c.due_at).key == "overdue"


def test_business_time_deadline_skips_the_national_day_holidays_and_counts_the_make_up_saturday(agent):
    """24 working hours from Wed 30 Sep 2026 16:00 on the standard calendar (Mon–Fri 09–12, 13:30–18):
    2 h that day, 1–7 Oct are holidays, 7.5 h on Thu 8 and Fri 9, and Sat 10 Oct is a make-up
    working day (调休): 24 − 17 = 7 h more → 09–12 and 13:30–17:30."""
    ComplaintCategory.objects.filter(code="attitude").update(business_time=True)
    filed = at(2026, 9, 30, 16)
    c = make_complaint(agent, category="attitude", now=filed)
    assert c.deadline_business is True
    assert c.due_at == at(2026, 10, 10, 17, 30)
    # 80 % = 19.2 h: 17 h by Friday, 2.2 h on Saturday from 09:00.
    assert c.warning_at == at(2026, 10, 10, 11, 12)
    assert complaint_deadline_state(c, now=at(2026, 10, 10, 11, 12) - S).key == "on_time"
    assert complaint_deadline_state(c, now=at(2026, 10, 10, 11, 12)).key == "at_risk"
    assert complaint_deadline_state(c, now=at(2026, 10, 10, 17, 30) - S).key == "at_risk"
    assert complaint_deadline_state(c, now=at(2026, 10, 10, 17, 30)).key == "overdue"


def test_business_time_deadline_filed_on_a_holiday_starts_at_the_next_opening(agent):
    ComplaintCategory.objects.filter(code="quality").update(business_time=True)
    # Filed during the holidays (3 Oct): the clock starts on Thu 8 Oct at 09:00; 48 h of working
    # time = 6 full days (45 h: 8, 9, 10 (make-up), 12, 13, 14 Oct) + 3 h on Thu 15 Oct → 12:00.
    c = make_complaint(agent, category="quality", now=at(2026, 10, 3, 10))
    assert c.due_at == at(2026, 10, 15, 12)
    # One second earlier on the last day of the holidays, the same answer; filed on the first
    # working morning, the same too (the clock starts at 09:00 either way).
    assert make_complaint(agent, category="quality", now=at(2026, 10, 7, 23, 59, 59)).due_at == at(2026, 10, 15, 12)
    assert make_complaint(agent, category="quality", now=at(2026, 10, 8, 9)).due_at == at(2026, 10, 15, 12)
    # One second later than the opening: the last second falls after the lunch break.
    assert make_complaint(agent, category="quality", now=at(2026, 10, 8, 9, 0, 1)).due_at == at(2026, 10, 15, 13, 30, 1)


def test_an_administrators_hours_apply(agent):
    ComplaintCategory.objects.filter(code="delay").update(reply_hours=12)
    filed = at(2026, 3, 2, 9)
    assert make_complaint(agent, category="delay", now=filed).due_at == filed + 12 * H


def test_a_missing_category_row_falls_back_to_other(agent):
    ComplaintCategory.objects.filter(code="billing").delete()
    filed = at(2026, 3, 2, 9)
    assert make_complaint(agent, category="billing", now=filed).due_at == filed + 72 * H


def test_changing_the_category_recomputes_the_deadline_from_the_time_received(agent, handler):
    filed = at(2026, 3, 2, 9)
    c = make_complaint(agent, category="other", now=filed)
    c = complaint_update(actor=handler, complaint=c, category="attitude", now=filed + 2 * H)
    assert c.due_at == filed + 24 * H
    assert c.events.filter(message="complaints.deadline_changed").count() == 1


def test_answered_in_time_is_met_and_never_escalates(agent, handler):
    from aftersales.complaints.services import complaint_assign, complaint_propose

    filed = at(2026, 3, 2, 9)
    c = make_complaint(agent, category="attitude", now=filed)
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=filed)
    c = complaint_propose(actor=handler, complaint=c, solution="道歉", now=c.due_at - S)
    assert complaint_deadline_state(c, now=c.due_at + 100 * H).key == "met"
    assert c.escalate_at is None
    complaint_sweep(now=filed + 1000 * H)
    c.refresh_from_db()
    assert c.escalation_level == 0


def test_answered_one_second_late_is_missed(agent, handler):
    from aftersales.complaints.services import complaint_assign, complaint_propose

    filed = at(2026, 3, 2, 9)
    c = make_complaint(agent, category="attitude", now=filed)
    c = complaint_assign(actor=handler, complaint=c, investigator=handler, now=filed)
    c = complaint_propose(actor=handler, complaint=c, solution="道歉", now=c.due_at + S)
    assert complaint_deadline_state(c).key == "missed"
