"""One definition per measure (R-KPI-1): what it counts, how, and against which target.

Every figure the app shows (a card, a chart point, a breakdown bar, a drill-down list, an Excel
or PDF export, the daily aggregates, the documentation in ``docs/kpis.md``) is read from the
``Kpi`` objects below, so a measure means the same thing everywhere.

A measure is a sum of **facts**: each row of its ``Source`` (a request, a visit, an SLA clock, a
follow-up, a survey, an inspection, a complaint) contributes a numerator and a denominator on
one day (the local date, Asia/Shanghai, of the row's ``anchor`` time) with its dimension values
(region, product category, channel, service type, team, technician, agent, partner):

- a *rate* (``unit="%"``) counts rows: denominator 1 per row, numerator 1 when ``num`` holds;
- a *mean time* (``unit="h"``) adds the seconds between two times per row, over the rows;
- a *count* (``unit="n"``) is its numerator;
- a *share of items* (norm compliance) adds a row's items passed over its items checked.

``Source.rows()`` is the queryset of the rows a measure counts (its inclusion rules in SQL), so
the drill-down list of any number is exactly the rows behind it (``selectors.kpi_rows``).
A measure may have two sources (complaint rate: complaints over requests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    CharField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aftersales.accounts.choices import OrganizationKind, Role
from aftersales.complaints.models import Complaint
from aftersales.feedback.choices import FollowUpKind, FollowUpResult, FollowUpStatus, SurveyStatus
from aftersales.feedback.models import FollowUp, Survey
from aftersales.feedback.selectors import SATISFIED_FROM
from aftersales.field.choices import CheckKind, CheckResult, Outcome, SignaturePurpose, SignerRole, VisitStatus
from aftersales.field.models import CheckRecord, Signature, Visit
from aftersales.quality.choices import InspectionStatus
from aftersales.quality.models import Inspection
from aftersales.sla.models import ClockState, SlaClock, TargetKind
from aftersales.tickets.choices import Action, ServiceType, Status
from aftersales.tickets.models import ServiceRequest, ServiceRequestEvent

__all__ = [
    "DIMENSIONS",
    "KPIS",
    "Dimension",
    "Kpi",
    "Source",
    "kpi_get",
]

HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
RATE, HOURS, COUNT = "%", "h", "n"
REPAIR_TYPES = (ServiceType.REPAIR, ServiceType.INSTALLATION, ServiceType.MAINTENANCE)
RESOLVED_STATUSES = (Status.COMPLETED, Status.FOLLOWED_UP, Status.CLOSED)
REPEAT_WINDOW = dt.timedelta(days=30)
HANDLING_LIMIT = dt.timedelta(minutes=5)  # the agents' handling-efficiency standard (002 §9)


# --- dimensions -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """A way to cut a measure. ``none`` is the value stored when a row has none (0 or "")."""

    key: str
    label: Promise
    text: bool = False  # a code (channel, service type) rather than an id

    @property
    def none(self):
        return "" if self.text else 0


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("region", _("Region")),
    Dimension("category", _("Product category")),
    Dimension("channel", _("Channel"), text=True),
    Dimension("service_type", _("Service type"), text=True),
    Dimension("team", _("Team")),
    Dimension("technician", _("Technician")),
    Dimension("agent", _("Agent")),
    Dimension("partner", _("Partner")),
)
DIMENSION_KEYS = tuple(d.key for d in DIMENSIONS)
DIMENSION_BY_KEY = {d.key: d for d in DIMENSIONS}


def _id(expr) -> Coalesce:
    return Coalesce(expr, Value(0), output_field=IntegerField())


def _code(expr) -> Coalesce:
    return Coalesce(expr, Value(""), output_field=CharField())


def _when(condition: Q, then: str) -> Case:
    return Case(When(condition, then=F(then)), default=Value(0), output_field=IntegerField())


def request_dims(path: str = "", **override) -> dict:
    """The dimension expressions of a row reached from a request through ``path`` ("" for the
    request itself, "request__" for a visit …):

    - region: the request's service region; category: its product's category;
    - channel, service type: the request's;
    - technician: the technician assigned to the request (a visit or survey row: its own);
    - team: the organization of the assigned technician (the own company's service team or a
      partner's);
    - agent: who took the request, when an agent did (a follow-up or survey row: the agent who
      made the call);
    - partner: the authorized service partner holding the job (none for the own company)."""
    p = path
    dims = {
        "region": _id(F(f"{p}region_id")),
        "category": _id(F(f"{p}product__category_id")),
        "channel": _code(F(f"{p}channel")),
        "service_type": _code(F(f"{p}service_type")),
        "team": _id(F(f"{p}assigned_technician__organization_id")),
        "technician": _id(F(f"{p}assigned_technician_id")),
        "agent": _when(Q(**{f"{p}created_by__role": Role.AGENT}), f"{p}created_by_id"),
        "partner": _when(
            Q(**{f"{p}assigned_organization__kind": OrganizationKind.PARTNER}), f"{p}assigned_organization_id"
        ),
    }
    dims.update(override)
    return dims


def _first_request(field_name: str):
    """A complaint's first linked request's ``field_name`` (complaints carry no region of their own)."""
    through = Complaint.requests.through
    return Subquery(
        through.objects.filter(complaint_id=OuterRef("pk"))
        .order_by("servicerequest_id")
        .values(f"servicerequest__{field_name}")[:1]
    )


def complaint_dims() -> dict:
    return {
        "region": _id(_first_request("region_id")),
        "category": _id(_first_request("product__category_id")),
        "channel": _code(F("channel")),
        "service_type": _code(_first_request("service_type")),
        "team": _id(F("technician__organization_id")),
        "technician": _id(F("technician_id")),
        "agent": _when(Q(created_by__role=Role.AGENT), "created_by_id"),
        "partner": _when(Q(partner__kind=OrganizationKind.PARTNER), "partner_id"),
    }


# --- sources and measures --------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The rows a measure counts, and what each contributes.

    ``rows``: () -> queryset of the included rows (inclusion rules in SQL);
    ``anchor``: the time (field path or expression) that places a row on a day;
    ``request``: the path from a row to its request's id (None: complaints, refreshed as themselves);
    ``num``: a condition (numerator 1 when it holds), or None with ``num_seconds``/``num_field``;
    ``num_seconds``: (start, end) field paths: the numerator is the seconds between them;
    ``num_field``: a field holding the numerator; ``den``: 1 per row, 0 (numerator only), or a field;
    ``dims``: () -> {dimension: expression}."""

    key: str
    rows: Callable[[], QuerySet]
    anchor: object
    request: str | None
    dims: Callable[[], dict]
    num: Q | None = None
    num_seconds: tuple[str, str] | None = None
    num_field: str | None = None
    den: int | str = 1
    subject: str = "request"  # what a drill-down row is: request, visit, clock, followup, survey, ...

    def anchor_expr(self):
        if isinstance(self.anchor, str):
            return ExpressionWrapper(F(self.anchor), output_field=DateTimeField())
        return self.anchor

    @property
    def model(self):
        return self.rows().model


@dataclass(frozen=True)
class Kpi:
    """One measure: its words (shown as tooltips and written to docs/kpis.md), target and sources."""

    key: str
    term: str  # the Chinese term of SPEC.md (documentation; the UI shows ``name`` translated)
    name: Promise
    formula: Promise
    numerator: Promise
    denominator: Promise
    inclusion: Promise
    unit: str
    direction: str
    sources: tuple[Source, ...]
    target: float | None = None
    seed: str = ""
    order: int = 0
    # Partner staff see a measure for their own jobs unless it reads what they may not see.
    partner_visible: bool = True
    extra: dict = field(default_factory=dict)

    def value(self, num: int, den: int) -> float | None:
        """The measure from summed facts: a rate in %, a mean in hours, or a count."""
        if self.unit == COUNT:
            return float(num)
        if not den:
            return None
        if self.unit == HOURS:
            return round(num / den / 3600, 2)
        return round(100.0 * num / den, 1)

    def meets(self, value: float | None) -> bool | None:
        if value is None or self.target is None:
            return None
        if self.direction == HIGHER:
            return value >= self.target
        if self.direction == LOWER:
            return value <= self.target if self.extra.get("inclusive", True) else value < self.target
        return None

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        sign = {HIGHER: "≥", LOWER: "≤" if self.extra.get("inclusive", True) else "<"}.get(self.direction, "")
        if self.unit == RATE and self.direction == HIGHER and self.target >= 100:
            sign = ""
        unit = {RATE: " %", HOURS: " h"}.get(self.unit, "")
        number = f"{self.target:g}"
        return f"{sign} {number}{unit}".strip()

    @property
    def den_source(self) -> Source:
        """The source whose rows are the denominator (the drill-down list)."""
        for source in self.sources:
            if source.den != 0:
                return source
        return self.sources[0]

    @property
    def num_source(self) -> Source:
        for source in self.sources:
            if source.num is not None or source.num_seconds or source.num_field:
                return source
        return self.sources[0]


# --- rows ------------------------------------------------------------------------------------------


def _requests() -> QuerySet:
    return ServiceRequest.objects.all()


def _decided_clocks(kind: str) -> Callable[[], QuerySet]:
    def rows() -> QuerySet:
        return SlaClock.objects.filter(kind=kind, state__in=[ClockState.MET, ClockState.BREACHED]).exclude(
            request__status=Status.CANCELLED
        )

    return rows


def _clock_source(kind: str) -> Source:
    return Source(
        key=f"clock_{kind}",
        rows=_decided_clocks(kind),
        # Met clocks count on the day they were met, breached ones on their due day.
        anchor=Coalesce("breached_at", "met_at", output_field=DateTimeField()),
        request="request_id",
        dims=lambda: request_dims("request__"),
        num=Q(state=ClockState.MET),
        subject="clock",
    )


def _completed_visits() -> QuerySet:
    return Visit.objects.filter(status=VisitStatus.DONE, outcome=Outcome.COMPLETED, checked_out_at__isnull=False)


def _form_complete() -> Q:
    signed = Signature.objects.filter(visit_id=OuterRef("pk"), purpose=SignaturePurpose.FORM, role=SignerRole.CUSTOMER)
    failed_test = CheckRecord.objects.filter(visit_id=OuterRef("pk"), kind=CheckKind.TEST, result=CheckResult.FAIL)
    return (
        Q(fault_cause__isnull=False, tested_at__isnull=False)
        & ~Q(inspection_result="")
        & ~Q(solution="")
        & Q(Exists(signed))
        & ~Q(Exists(failed_test))
    )


def _repeat_within_30_days() -> Q:
    later = ServiceRequest.objects.filter(
        unit_id=OuterRef("unit_id"),
        service_type=ServiceType.REPAIR,
        created_at__gt=OuterRef("completed_at"),
        created_at__lte=ExpressionWrapper(OuterRef("completed_at") + REPEAT_WINDOW, output_field=DateTimeField()),
    ).exclude(pk=OuterRef("pk"))
    return Q(Exists(later))


def _reopened() -> Q:
    return Q(Exists(ServiceRequestEvent.objects.filter(request_id=OuterRef("pk"), action=Action.REOPEN)))


def _acknowledged(**numerator) -> Source:
    """Requests with a first response, placed on its day."""
    return Source(
        "requests",
        lambda: ServiceRequest.objects.filter(acknowledged_at__isnull=False),
        "acknowledged_at",
        "pk",
        request_dims,
        **numerator,
    )


def _survey_dims() -> dict:
    """A survey row: the request's dimensions with the survey's own technician and agent."""
    return request_dims(
        "request__",
        technician=_id(F("technician_id")),
        team=_id(F("technician__organization_id")),
        agent=_id(F("agent_id")),
    )


VISIT_DIMS = dict(technician=_id(F("technician_id")), team=_id(F("technician__organization_id")))

KPIS: tuple[Kpi, ...] = (
    Kpi(
        key="volume",
        term="工单量",
        name=_("Request volume"),
        formula=_("Number of service requests filed"),
        numerator=_("Service requests filed"),
        denominator=_("—"),
        inclusion=_("Every request, on the day it was filed, cancelled ones included."),
        unit=COUNT,
        direction=NEUTRAL,
        sources=(Source("requests", _requests, "created_at", "pk", request_dims, num=Q(pk__isnull=False), den=1),),
        seed="001 §5.3",
        order=10,
    ),
    Kpi(
        key="first_response_time",
        term="平均首次响应时长",
        name=_("Mean first-response time"),
        formula=_("Sum of (acknowledged − filed) / requests acknowledged"),
        numerator=_("Hours from filing to the first response (acknowledgement or answer at first contact)"),
        denominator=_("Requests acknowledged"),
        inclusion=_("Requests with a first response, on the day of the response; wall-clock hours."),
        unit=HOURS,
        direction=LOWER,
        target=24,
        sources=(_acknowledged(num_seconds=("created_at", "acknowledged_at")),),
        seed="000 §1(1)",
        order=20,
    ),
    Kpi(
        key="handled_within_5min",
        term="受理及时率（5 分钟内）",
        name=_("Handled within 5 minutes"),
        formula=_("Requests acknowledged within 5 minutes of filing / requests acknowledged"),
        numerator=_("Requests whose first response came at most 5 minutes after filing"),
        denominator=_("Requests acknowledged"),
        inclusion=_(
            "Requests with a first response, on the day of the response; the agent who took the request "
            "(the agents' handling-efficiency standard: ≤ 5 minutes)."
        ),
        unit=RATE,
        direction=HIGHER,
        target=90,
        sources=(_acknowledged(num=Q(acknowledged_at__lte=F("created_at") + Value(HANDLING_LIMIT))),),
        seed="002 §9",
        order=25,
    ),
    Kpi(
        key="first_response_on_time",
        term="首次响应及时率",
        name=_("First response within SLA"),
        formula=_("First-response clocks met / first-response clocks decided"),
        numerator=_("First-response SLA clocks met in time"),
        denominator=_("First-response SLA clocks met or breached"),
        inclusion=_(
            "SLA clocks of the request's rule (24 h, urgent 1 h by default); a met clock counts on the day it was "
            "met, a breached one on its due day; cancelled requests left out; running clocks not yet counted."
        ),
        unit=RATE,
        direction=HIGHER,
        target=95,
        sources=(_clock_source(TargetKind.FIRST_RESPONSE),),
        seed="000 §1(1)",
        order=30,
    ),
    Kpi(
        key="appointment_contact_on_time",
        term="24小时预约联系率",
        name=_("Appointment contact within 24 h"),
        formula=_("Appointment-contact clocks met / appointment-contact clocks decided"),
        numerator=_("Appointment-contact SLA clocks met in time"),
        denominator=_("Appointment-contact SLA clocks met or breached"),
        inclusion=_("As for the first response, with the appointment-contact target (24 h by default)."),
        unit=RATE,
        direction=HIGHER,
        target=95,
        sources=(_clock_source(TargetKind.APPOINTMENT_CONTACT),),
        seed="001 §4.1",
        order=40,
    ),
    Kpi(
        key="arrival_on_time",
        term="准时上门率",
        name=_("On-site arrival on time"),
        formula=_("Arrival clocks met / arrival clocks decided"),
        numerator=_("On-site arrival SLA clocks met in time"),
        denominator=_("On-site arrival SLA clocks met or breached"),
        inclusion=_("As for the first response, with the arrival target (24 h near, 48 h far by default)."),
        unit=RATE,
        direction=HIGHER,
        target=95,
        sources=(_clock_source(TargetKind.ARRIVAL),),
        seed="004",
        order=50,
    ),
    Kpi(
        key="resolution_on_time",
        term="时效内解决率",
        name=_("Resolved within SLA"),
        formula=_("Resolution clocks met / resolution clocks decided"),
        numerator=_("Resolution SLA clocks met in time"),
        denominator=_("Resolution SLA clocks met or breached"),
        inclusion=_("As for the first response, with the resolution target of the request's rule."),
        unit=RATE,
        direction=HIGHER,
        target=90,
        sources=(_clock_source(TargetKind.RESOLUTION),),
        seed="000 §1",
        order=60,
    ),
    Kpi(
        key="resolution_time",
        term="平均解决时长",
        name=_("Mean resolution time"),
        formula=_("Sum of (completed − filed) / requests completed"),
        numerator=_("Hours from filing to completion"),
        denominator=_("Requests completed"),
        inclusion=_("Requests with a completion time, on the day of completion; wall-clock hours."),
        unit=HOURS,
        direction=LOWER,
        target=72,
        sources=(
            Source(
                "requests",
                lambda: ServiceRequest.objects.filter(completed_at__isnull=False),
                "completed_at",
                "pk",
                request_dims,
                num_seconds=("created_at", "completed_at"),
            ),
        ),
        seed="000 §1",
        order=70,
    ),
    Kpi(
        key="first_time_fix",
        term="一次修复率",
        name=_("First-time fix rate"),
        formula=_("First visits that completed the job / first visits checked out"),
        numerator=_("First visits checked out as completed (一次修复)"),
        denominator=_("First visits checked out"),
        inclusion=_(
            "The first visit of each request, on the day of check-out; a visit that needs a second one or "
            "whose quote was declined is not a fix."
        ),
        unit=RATE,
        direction=HIGHER,
        target=90,
        sources=(
            Source(
                "visits",
                lambda: Visit.objects.filter(status=VisitStatus.DONE, sequence=1, checked_out_at__isnull=False),
                "checked_out_at",
                "request_id",
                lambda: request_dims("request__", **VISIT_DIMS),
                num=Q(first_time_fix=True),
                subject="visit",
            ),
        ),
        seed="004",
        order=80,
    ),
    Kpi(
        key="first_contact_resolution",
        term="首次解决率",
        name=_("First-contact resolution"),
        formula=_("Consultations answered at first contact / consultations resolved"),
        numerator=_("Consultations closed at first contact (首次解决)"),
        denominator=_("Consultations completed or closed"),
        inclusion=_("Requests of service type consultation with a completion time, on the day of completion."),
        unit=RATE,
        direction=HIGHER,
        target=80,
        sources=(
            Source(
                "requests",
                lambda: ServiceRequest.objects.filter(
                    service_type=ServiceType.CONSULTATION, completed_at__isnull=False
                ),
                "completed_at",
                "pk",
                request_dims,
                num=Q(first_contact_resolution=True),
            ),
        ),
        seed="000",
        order=90,
    ),
    Kpi(
        key="resolution_rate",
        term="问题解决率",
        name=_("Resolution rate"),
        formula=_("Requests resolved / requests filed (not cancelled)"),
        numerator=_("Requests completed, followed up or closed"),
        denominator=_("Requests filed and not cancelled"),
        inclusion=_("Requests counted on the day they were filed; a request resolved later raises its day's rate."),
        unit=RATE,
        direction=HIGHER,
        target=95,
        sources=(
            Source(
                "requests",
                lambda: ServiceRequest.objects.exclude(status=Status.CANCELLED),
                "created_at",
                "pk",
                request_dims,
                num=Q(status__in=RESOLVED_STATUSES),
            ),
        ),
        seed="000",
        order=100,
    ),
    Kpi(
        key="satisfaction",
        term="满意率",
        name=_("Satisfaction rate"),
        formula=_("Surveys with overall 4 or 5 / surveys answered"),
        numerator=_("Answered surveys with an overall score of 4 or 5"),
        denominator=_("Answered surveys"),
        inclusion=_("Surveys answered (by call or link), on the day of the answer; the survey's technician and agent."),
        unit=RATE,
        direction=HIGHER,
        target=90,
        sources=(
            Source(
                "surveys",
                lambda: Survey.objects.filter(status=SurveyStatus.ANSWERED, answered_at__isnull=False),
                "answered_at",
                "request_id",
                _survey_dims,
                num=Q(overall__gte=SATISFIED_FROM),
                subject="survey",
            ),
        ),
        seed="000 §3(3)",
        order=110,
    ),
    Kpi(
        key="attitude_rate",
        term="服务态度满意率",
        name=_("Service attitude rate"),
        formula=_("Surveys rating courtesy and knowledge 4 or 5 / surveys that rated them"),
        numerator=_("Answered surveys with a courtesy and knowledge (assurance) score of 4 or 5"),
        denominator=_("Answered surveys with a courtesy and knowledge score"),
        inclusion=_(
            "Surveys answered (by call or link), on the day of the answer; the survey's technician and agent "
            "(the agents' service-attitude standard: ≥ 90 %)."
        ),
        unit=RATE,
        direction=HIGHER,
        target=90,
        sources=(
            Source(
                "surveys",
                lambda: Survey.objects.filter(
                    status=SurveyStatus.ANSWERED, answered_at__isnull=False, assurance__isnull=False
                ),
                "answered_at",
                "request_id",
                _survey_dims,
                num=Q(assurance__gte=SATISFIED_FROM),
                subject="survey",
            ),
        ),
        seed="002 §9",
        order=115,
    ),
    Kpi(
        key="complaint_rate",
        term="投诉率",
        name=_("Complaint rate"),
        formula=_("Complaints received / requests filed"),
        numerator=_("Complaints received"),
        denominator=_("Service requests filed"),
        inclusion=_(
            "Both counted on the day received or filed; a complaint is placed by its first linked request "
            "(region, category, service type) and its own channel, technician and partner."
        ),
        unit=RATE,
        direction=LOWER,
        target=1,
        sources=(
            Source(
                "complaints",
                lambda: Complaint.objects.all(),
                "created_at",
                None,
                complaint_dims,
                num=Q(pk__isnull=False),
                den=0,
                subject="complaint",
            ),
            Source("requests", _requests, "created_at", "pk", request_dims, num=None, den=1),
        ),  # fmt: skip
        seed="002 §5",
        order=120,
        partner_visible=False,
    ),
    Kpi(
        key="complaints_on_time",
        term="投诉按时答复率",
        name=_("Complaints answered on time"),
        formula=_("Complaints answered by their deadline / complaints answered"),
        numerator=_("Complaints answered by the reply deadline of their category"),
        denominator=_("Complaints answered"),
        inclusion=_("Complaints with an answer, on the day of the answer (deadlines 24 h / 48 h / 72 h by category)."),
        unit=RATE,
        direction=HIGHER,
        target=100,
        sources=(
            Source(
                "complaints",
                lambda: Complaint.objects.filter(answered_at__isnull=False),
                "answered_at",
                None,
                complaint_dims,
                num=Q(answered_at__lte=F("due_at")),
                subject="complaint",
            ),
        ),
        seed="002",
        order=130,
        partner_visible=False,
    ),
    Kpi(
        key="followup_rate",
        term="回访率",
        name=_("Follow-up rate"),
        formula=_("Completions followed up / completions to follow up"),
        numerator=_("Follow-ups with the customer reached or the survey link answered"),
        denominator=_("Follow-ups after completion (not cancelled)"),
        inclusion=_("Follow-ups after a completion, on the day the request was completed; the follow-up's agent."),
        unit=RATE,
        direction=HIGHER,
        target=95,
        sources=(
            Source(
                "followups",
                lambda: FollowUp.objects.filter(kind=FollowUpKind.COMPLETION).exclude(status=FollowUpStatus.CANCELLED),
                "completed_at",
                "request_id",
                lambda: request_dims("request__", agent=_id(F("agent_id"))),
                num=Q(result__in=[FollowUpResult.REACHED, FollowUpResult.LINK_ANSWERED]),
                subject="followup",
            ),
        ),
        seed="001 §3.6",
        order=140,
    ),
    Kpi(
        key="followup_in_window",
        term="回访及时率（24–72 小时）",
        name=_("Follow-up within 24–72 h"),
        formula=_("Follow-ups done within their window / follow-ups done"),
        numerator=_("Follow-ups whose result was recorded within the window (24–72 h after completion)"),
        denominator=_("Follow-ups with a result recorded"),
        inclusion=_("Follow-ups after a completion with a result, on the day the request was completed."),
        unit=RATE,
        direction=HIGHER,
        target=95,
        sources=(
            Source(
                "followups",
                lambda: FollowUp.objects.filter(kind=FollowUpKind.COMPLETION, closed_at__isnull=False).exclude(
                    status=FollowUpStatus.CANCELLED
                ),
                "completed_at",
                "request_id",
                lambda: request_dims("request__", agent=_id(F("agent_id"))),
                num=Q(on_time=True),
                subject="followup",
            ),
        ),
        seed="001 §3.6.1",
        order=150,
    ),
    Kpi(
        key="form_completeness",
        term="服务单规范率",
        name=_("Service-form completeness"),
        formula=_("Complete service forms / visits checked out as completed"),
        numerator=_("Forms with fault, cause, findings, solution, a passed function test and the customer's signature"),
        denominator=_("Visits checked out as completed"),
        inclusion=_("Visits checked out as completed, on the day of check-out; the visit's technician."),
        unit=RATE,
        direction=HIGHER,
        target=100,
        sources=(
            Source(
                "visits",
                _completed_visits,
                "checked_out_at",
                "request_id",
                lambda: request_dims("request__", **VISIT_DIMS),
                num=_form_complete(),
                subject="visit",
            ),
        ),
        seed="001 §4.2",
        order=160,
    ),
    Kpi(
        key="norm_compliance",
        term="服务规范执行率",
        name=_("Norm compliance"),
        formula=_("Checklist items passed / checklist items inspected"),
        numerator=_("Items of the service norms passed in inspections"),
        denominator=_("Items inspected"),
        inclusion=_("Inspections done, on the day of the inspection; the inspected technician."),
        unit=RATE,
        direction=HIGHER,
        target=100,
        sources=(
            Source(
                "inspections",
                lambda: Inspection.objects.filter(status=InspectionStatus.DONE, inspected_at__isnull=False),
                "inspected_at",
                "visit__request_id",
                lambda: request_dims(
                    "visit__request__", technician=_id(F("technician_id")), team=_id(F("technician__organization_id"))
                ),
                num_field="passed_count",
                den="item_count",
                subject="inspection",
            ),
        ),
        seed="001 §7.1",
        order=170,
    ),
    Kpi(
        key="repeat_repair_30d",
        term="30 天重复维修率",
        name=_("Repeat repairs within 30 days"),
        formula=_("Completed repairs followed by a new repair request for the unit within 30 days / completed repairs"),
        numerator=_("Completed repairs of a unit that had another repair request filed within 30 days"),
        denominator=_("Completed repairs of a known unit"),
        inclusion=_("Repair requests with a unit and a completion time, on the day of completion."),
        unit=RATE,
        direction=LOWER,
        target=5,
        sources=(
            Source(
                "requests",
                lambda: ServiceRequest.objects.filter(
                    service_type=ServiceType.REPAIR, completed_at__isnull=False, unit_id__isnull=False
                ),
                "completed_at",
                "pk",
                request_dims,
                num=_repeat_within_30_days(),
            ),
        ),
        seed="000 §3(2)",
        order=180,
    ),
    Kpi(
        key="repair_error_rate",
        term="维修差错率（返修率）",
        name=_("Repair error (rework) rate"),
        formula=_("Completed jobs reopened / completed jobs"),
        numerator=_("Repair, installation and maintenance jobs reopened after completion"),
        denominator=_("Repair, installation and maintenance jobs completed"),
        inclusion=_("Jobs with a completion time, on the day of (the last) completion."),
        unit=RATE,
        direction=LOWER,
        target=1,
        extra={"inclusive": False},
        sources=(
            Source(
                "requests",
                lambda: ServiceRequest.objects.filter(service_type__in=REPAIR_TYPES, completed_at__isnull=False),
                "completed_at",
                "pk",
                request_dims,
                num=_reopened(),
            ),
        ),
        seed="000 §3(2)",
        order=190,
    ),
    Kpi(
        key="mean_repair_time",
        term="平均维修时长",
        name=_("Mean repair time"),
        formula=_("Sum of (check-out − check-in) / repair visits checked out"),
        numerator=_("Hours on site, from check-in to check-out"),
        denominator=_("Visits of repair requests checked out"),
        inclusion=_("Visits of repair requests, on the day of check-out; the visit's technician."),
        unit=HOURS,
        direction=LOWER,
        target=2,
        sources=(
            Source(
                "visits",
                lambda: Visit.objects.filter(
                    status=VisitStatus.DONE, checked_out_at__isnull=False, request__service_type=ServiceType.REPAIR
                ),
                "checked_out_at",
                "request_id",
                lambda: request_dims("request__", **VISIT_DIMS),
                num_seconds=("checked_in_at", "checked_out_at"),
                subject="visit",
            ),
        ),
        seed="000 §3(2)",
        order=200,
    ),
)

KPI_BY_KEY: dict[str, Kpi] = {k.key: k for k in KPIS}


def kpi_get(key: str) -> Kpi:
    """The measure called ``key``; KeyError for an unknown one."""
    return KPI_BY_KEY[key]


def sources_by_request() -> list[tuple[Kpi, int, Source]]:
    """(measure, source index, source) for every source reached from a request."""
    return [(k, i, s) for k in KPIS for i, s in enumerate(k.sources) if s.request is not None]


def sources_by_complaint() -> list[tuple[Kpi, int, Source]]:
    return [(k, i, s) for k in KPIS for i, s in enumerate(k.sources) if s.request is None]
