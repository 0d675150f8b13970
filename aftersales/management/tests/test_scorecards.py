"""Scorecards (R-KPI-3): weights, scoring, runs computed from ``kpi_value``, approval freezes."""

import datetime as dt
from decimal import Decimal

import pytest

from aftersales.accounts.choices import Role
from aftersales.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from aftersales.core.states import IllegalTransition
from aftersales.kpis.definitions import HIGHER, KPI_BY_KEY, LOWER
from aftersales.management.choices import RunStatus
from aftersales.management.models import Run, Scheme, Score
from aftersales.management.scoring import line_points, rank, score_total
from aftersales.management.services import lines_check, run_approve, run_compute, scheme_create, scheme_update
from aftersales.notifications.models import OutboxMessage

from .helpers import daily

pytestmark = pytest.mark.django_db
MONTH = dt.date(2026, 10, 1)


def line(kpi="satisfaction", weight=100, method="linear", floor="60", target="90", note=""):
    return {"kpi": kpi, "weight": weight, "method": method, "floor": floor, "target": target, "note": note}


# --- weights and lines --------------------------------------------------------------------------


def test_weights_must_add_up_to_100():
    with pytest.raises(ValidationFailed) as exc:
        lines_check([line(weight=40), line("resolution_rate", weight=50)])
    assert "weights" in exc.value.fields
    assert "90" in str(exc.value.fields["weights"][0])
    assert len(lines_check([line(weight=40), line("resolution_rate", weight=60)])) == 2


@pytest.mark.parametrize(
    "bad, field",
    [
        (line(weight=0), "lines.0.weight"),
        (line(weight=101), "lines.0.weight"),
        (line(kpi="nope"), "lines.0.kpi"),
        (line(kpi="volume"), "lines.0.kpi"),  # a count has no better direction
        (line(floor=None), "lines.0.floor"),
        (line(floor="95", target="90"), "lines.0.floor"),  # higher is better: the floor lies below
        (line(kpi="resolution_time", floor="1", target="24"), "lines.0.floor"),  # lower is better: above
        (line(target=None), "lines.0.target"),
        (line(target="abc"), "lines.0.target"),
    ],
)
def test_a_bad_line_is_refused_with_its_field(bad, field):
    with pytest.raises(ValidationFailed) as exc:
        lines_check([bad])
    assert field in exc.value.fields


def test_a_measure_once_per_scheme_and_at_least_one_line():
    with pytest.raises(ValidationFailed) as exc:
        lines_check([line(weight=50), line(weight=50)])
    assert "lines.1.kpi" in exc.value.fields
    with pytest.raises(ValidationFailed):
        lines_check([])


def test_threshold_lines_need_no_floor():
    (clean,) = lines_check([line(method="threshold", floor=None)])
    assert clean["floor"] is None and clean["target"] == Decimal("90.00")


def test_scheme_create_refuses_and_writes_nothing(manager):
    with pytest.raises(ValidationFailed):
        scheme_create(actor=manager, name="x", role="technician", lines=[line(weight=30)])
    assert not Scheme.objects.filter(name="x").exists()


def test_seeded_schemes_follow_the_spec(schemes):
    tech, agent = schemes["technician"], schemes["agent"]
    assert [(ln.kpi, ln.weight) for ln in tech.lines.all()] == [
        ("satisfaction", 40),
        ("appointment_contact_on_time", 30),
        ("resolution_rate", 30),
    ]
    assert [(ln.kpi, ln.weight) for ln in agent.lines.all()] == [
        ("satisfaction", 40),
        ("handled_within_5min", 30),
        ("attitude_rate", 30),
    ]
    for scheme in (tech, agent):  # every seeded line passes the same checks as a typed one
        lines_check(
            [{k: getattr(ln, k) for k in ("kpi", "weight", "method", "floor", "target")} for ln in scheme.lines.all()]
        )
        assert all(ln.kpi in KPI_BY_KEY for ln in scheme.lines.all())


# --- scoring ------------------------------------------------------------------------------------


def test_linear_points_between_floor_and_target():
    pts = lambda v: line_points(v, weight=40, method="linear", floor="60", target="90", direction=HIGHER)  # noqa: E731
    assert pts(75) == Decimal("20.00")
    assert pts(90) == pts(99) == Decimal("40.00")
    assert pts(60) == pts(10) == Decimal("0.00")
    assert pts(None) is None


def test_linear_points_where_lower_is_better():
    pts = lambda v: line_points(v, weight=30, method="linear", floor="24", target="1", direction=LOWER)  # noqa: E731
    assert pts(12.5) == Decimal("15.00")
    assert pts(0.5) == Decimal("30.00")
    assert pts(48) == Decimal("0.00")


def test_threshold_points():
    assert line_points(95, weight=30, method="threshold", target="95", direction=HIGHER) == Decimal("30.00")
    assert line_points(94.9, weight=30, method="threshold", target="95", direction=HIGHER) == Decimal("0.00")
    assert line_points(2, weight=30, method="threshold", target="2", direction=LOWER) == Decimal("30.00")


def test_score_counts_only_the_measured_lines():
    assert score_total([(40, Decimal(20)), (30, Decimal(30)), (30, None)]) == Decimal("71.43")
    assert score_total([(40, None)]) is None
    assert rank({"a": Decimal(80), "b": Decimal(90), "c": Decimal(80), "d": None}) == {"b": 1, "a": 2, "c": 2}


# --- runs ---------------------------------------------------------------------------------------


def _tech_data(t1, t2):
    d = dt.date(2026, 10, 5)
    daily("satisfaction", d, 9, 10, technician=t1.pk)  # 90 % → 40
    daily("appointment_contact_on_time", d, 95, 100, technician=t1.pk)  # 95 % → 30
    daily("resolution_rate", d, 80, 100, technician=t1.pk)  # 80 % → 15 of 30
    daily("satisfaction", d, 3, 4, technician=t2.pk)  # 75 % → 20
    daily("satisfaction", dt.date(2026, 9, 30), 0, 50, technician=t2.pk)  # another month: not counted
    daily("satisfaction", d, 0, 40, technician=999999)  # somebody else


def test_a_run_scores_every_technician_from_kpi_value(manager, make_user, schemes):
    t1 = make_user(Role.TECHNICIAN, last_name="A")
    t2 = make_user(Role.TECHNICIAN, last_name="B")
    t3 = make_user(Role.TECHNICIAN, last_name="C")  # nothing measured
    make_user(Role.AGENT)  # not assessed by the technicians' scheme
    _tech_data(t1, t2)
    run = run_compute(actor=manager, scheme=schemes["technician"], month=MONTH, now=None)
    scores = {s.person_id: s for s in run.scores.all()}
    assert set(scores) == {t1.pk, t2.pk, t3.pk}
    assert scores[t1.pk].total == Decimal("85.00") and scores[t1.pk].rank == 1
    parts = {p["kpi"]: p for p in scores[t1.pk].parts}
    assert parts["resolution_rate"] == {
        "kpi": "resolution_rate",
        "weight": 30,
        "num": 80,
        "den": 100,
        "value": 80.0,
        "points": "15.00",
    }
    # t2: only satisfaction measured (75 % → 20 of 40): 50 %.
    assert scores[t2.pk].total == Decimal("50.00") and scores[t2.pk].rank == 2
    assert scores[t3.pk].total is None and scores[t3.pk].rank is None
    assert run.status == RunStatus.DRAFT


def test_agents_are_scored_with_the_agent_filter(manager, make_user, schemes):
    a = make_user(Role.AGENT)
    d = dt.date(2026, 10, 9)
    daily("satisfaction", d, 8, 10, agent=a.pk)  # 80 % → 40 × 20/30
    daily("handled_within_5min", d, 15, 20, agent=a.pk)  # 75 % → 30 × 15/30
    daily("satisfaction", d, 0, 10, technician=a.pk)  # a technician figure with the same id: not his
    run = run_compute(actor=manager, scheme=schemes["agent"], month=MONTH)
    score = run.scores.get(person=a)
    parts = {p["kpi"]: p for p in score.parts}
    assert parts["satisfaction"]["value"] == 80.0 and parts["satisfaction"]["points"] == "26.67"
    assert parts["handled_within_5min"]["value"] == 75.0 and parts["handled_within_5min"]["points"] == "15.00"
    assert parts["attitude_rate"]["points"] is None
    assert score.total == Decimal("59.53")  # 41.67 of 70


def test_a_draft_is_computed_again_with_new_data(manager, make_user, schemes):
    t = make_user(Role.TECHNICIAN)
    daily("satisfaction", dt.date(2026, 10, 3), 6, 10, technician=t.pk)
    run = run_compute(actor=manager, scheme=schemes["technician"], month=MONTH)
    assert run.scores.get(person=t).total == Decimal("0.00")
    daily("satisfaction", dt.date(2026, 10, 4), 10, 10, technician=t.pk)  # now 16/20 = 80 %
    again = run_compute(actor=manager, scheme=schemes["technician"], month=MONTH)
    assert again.pk == run.pk and Run.objects.count() == 1
    assert again.scores.get(person=t).total == Decimal("66.68")  # 26.67 of 40


def test_an_approved_run_is_frozen(manager, make_user, schemes):
    """Later data changes (and scheme changes) never alter an approved run."""
    t = make_user(Role.TECHNICIAN)
    daily("satisfaction", dt.date(2026, 10, 3), 9, 10, technician=t.pk)
    run = run_approve(actor=manager, run=run_compute(actor=manager, scheme=schemes["technician"], month=MONTH))
    before = list(Score.objects.filter(run=run).values("person", "total", "rank", "parts"))
    lines_before = Run.objects.get(pk=run.pk).lines

    daily("satisfaction", dt.date(2026, 10, 20), 0, 90, technician=t.pk)  # satisfaction falls to 9 %
    scheme_update(
        actor=manager,
        scheme=schemes["technician"],
        lines=[line(weight=100, floor="50", target="95")],
    )
    with pytest.raises(ConflictError):
        run_compute(actor=manager, scheme=schemes["technician"], month=MONTH)

    assert list(Score.objects.filter(run=run).values("person", "total", "rank", "parts")) == before
    assert Run.objects.get(pk=run.pk).lines == lines_before
    assert before[0]["total"] == Decimal("100.00")


def test_only_managers_approve_and_the_people_are_told(manager, qm, make_user, schemes):
    t = make_user(Role.TECHNICIAN)
    daily("satisfaction", dt.date(2026, 10, 3), 9, 10, technician=t.pk)
    run = run_compute(actor=manager, scheme=schemes["technician"], month=MONTH)
    with pytest.raises(PermissionDeniedError):
        run_approve(actor=qm, run=run)
    assert Run.objects.get(pk=run.pk).status == RunStatus.DRAFT
    run_approve(actor=manager, run=run)
    msg = OutboxMessage.objects.get(recipient=t, key="management.run_approved")
    assert msg.params["score"] == "100.00"
    with pytest.raises(IllegalTransition):  # approving twice is an illegal move (409)
        run_approve(actor=manager, run=run)


def test_a_run_for_a_month_not_begun_is_refused(manager, schemes):
    with pytest.raises(ValidationFailed):
        run_compute(actor=manager, scheme=schemes["technician"], month=dt.date(2099, 1, 1))
