"""Reads of the SLA app: calendar snapshots (cached per revision), the rule match of a
request, and each target's status for display."""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from aftersales.core.compiled import CompiledLookup
from aftersales.core.messages import msg
from aftersales.tickets.choices import Status
from aftersales.tickets.models import ServiceRequest

from .businesstime import ALWAYS, CalendarSnapshot, add_business_time, business_time_between
from .clocks import TargetSpec
from .defaults import calendar_name as calendar_shown
from .defaults import rule_name
from .models import (
    Calendar,
    CalendarDay,
    ClockState,
    ComplaintCategory,
    EscalationLevel,
    FollowUpWindow,
    SlaClock,
    SlaEscalation,
    SlaPolicy,
    SlaRefreshPending,
    TargetKind,
)
from .rules import RequestFacts, RuleMatch, reason_text, rules_match

# (calendar id, revision) -> snapshot. A process-local read cache only: the key carries
# the revision read from the database, so an edit anywhere invalidates it everywhere.
_SNAPSHOTS: dict[tuple[int, int], CalendarSnapshot] = {}
_SNAPSHOTS_LOCK = threading.Lock()


def snapshot_build(
    calendar: Calendar, *, weekly: dict[int, list] | None = None, days: list | None = None, **fields
) -> CalendarSnapshot:
    """``calendar`` in memory: its weekly hours and its days (holidays, make-up days).

    ``weekly`` ({weekday: [(start, end), …]}), ``days`` (CalendarDay rows with their
    periods) and ``fields`` (``is_24x7``, ``time_zone``, ``make_up_weekday``) replace what
    is stored: the settings page's preview of unsaved edits. Reads only."""
    draft = weekly is not None or days is not None or bool(fields)
    if weekly is None:
        weekly = defaultdict(list)
        for p in calendar.periods.all():
            weekly[p.weekday].append((p.start, p.end))
    if days is None:
        days = CalendarDay.objects.filter(calendar=calendar).prefetch_related("periods")
    make_up = fields.get("make_up_weekday", calendar.make_up_weekday)
    overrides: dict[dt.date, list] = {}
    for day in days:
        if day.kind == CalendarDay.Kind.HOLIDAY:
            overrides[day.date] = []
            continue
        own = [(p.start, p.end) for p in day.periods.all()]
        like = day.follow_weekday if day.follow_weekday is not None else make_up
        overrides[day.date] = own or list(weekly.get(like, []))
    return CalendarSnapshot.from_times(
        tz=fields.get("time_zone", calendar.time_zone),
        is_24x7=fields.get("is_24x7", calendar.is_24x7),
        weekly=weekly,
        overrides=overrides,
        key=None if draft else (calendar.pk, calendar.revision),
    )


def _snapshot_build(calendar: Calendar) -> CalendarSnapshot:
    return snapshot_build(calendar)


def calendar_snapshot(calendar: Calendar | None) -> CalendarSnapshot:
    """The in-memory form of ``calendar`` (None: 24×7), built once per revision."""
    if calendar is None:
        return ALWAYS
    key = (calendar.pk, calendar.revision)
    snapshot = _SNAPSHOTS.get(key)
    if snapshot is None:
        snapshot = _snapshot_build(calendar)
        with _SNAPSHOTS_LOCK:
            for old in [k for k in _SNAPSHOTS if k[0] == calendar.pk]:
                del _SNAPSHOTS[old]
            _SNAPSHOTS[key] = snapshot
    return snapshot


def calendar_snapshot_for(calendar_id: int | None) -> CalendarSnapshot:
    """Like :func:`calendar_snapshot`, reading the current revision from the database."""
    if calendar_id is None:
        return ALWAYS
    calendar = Calendar.objects.filter(pk=calendar_id).first()
    return calendar_snapshot(calendar)


def calendar_default() -> Calendar | None:
    return Calendar.objects.filter(is_default=True).first()


def request_facts(request: ServiceRequest) -> RequestFacts:
    category_id = None
    if request.product_id:
        category_id = request.product.category_id
    elif request.unit_id:
        category_id = request.unit.product.category_id
    return RequestFacts(
        service_type=request.service_type,
        priority=request.priority,
        customer_tier=int(request.customer.tier) if request.customer_id else None,
        region_class=request.region_class,
        channel=request.channel,
        product_category_id=category_id,
    )


def policy_rules_active() -> list[SlaPolicy]:
    return list(SlaPolicy.objects.filter(is_active=True).select_related("product_category", "calendar"))


def policy_match_for(request: ServiceRequest, rules: list[SlaPolicy] | None = None) -> dict[str, RuleMatch]:
    """For each target kind, the rule that applies to ``request`` and why."""
    return rules_match(policy_rules_active() if rules is None else rules, request_facts(request))


# ``default_calendar`` not given: read it from the database when a rule needs it.
LOOK_UP = object()


def policy_targets_for(
    request: ServiceRequest, rules: list[SlaPolicy] | None = None, *, default_calendar=LOOK_UP
) -> dict[str, TargetSpec]:
    """The matched targets of ``request`` with their calendars, ready for clocks_compute.

    A target on business time counts on its rule's calendar, or the default calendar;
    with neither it falls back to 24×7 (the reason says so). A batch passes
    ``default_calendar`` (read once) instead of a query per request."""
    return targets_for_facts(request_facts(request), rules, default_calendar=default_calendar)


def targets_for_facts(
    facts: RequestFacts, rules: list[SlaPolicy] | None = None, *, default_calendar=LOOK_UP
) -> dict[str, TargetSpec]:
    """Like :func:`policy_targets_for`, for facts rather than a stored request (the preview)."""
    holder = {} if default_calendar is LOOK_UP else {"calendar": default_calendar}
    matches = rules_match(policy_rules_active() if rules is None else rules, facts)
    return {kind: target_spec(match.rule, kind, why=match.why, default=holder) for kind, match in matches.items()}


def target_spec(rule: SlaPolicy, kind: str, *, why: tuple = (), default: dict | None = None) -> TargetSpec:
    """One target of ``rule`` (saved or not) as the clocks count it: its length, and the
    calendar it runs on when on business time (the rule's, else the default calendar,
    else 24×7 with a note why). ``default``: {"calendar": …} once read (filled on first use)."""
    default = {} if default is None else default
    calendar = None
    if getattr(rule, f"{kind}_business"):
        calendar = rule.calendar
        if calendar is None:
            if "calendar" not in default:
                default["calendar"] = calendar_default()
            calendar = default["calendar"]
        if calendar is None:
            why = (*why, msg("sla.no_calendar"))
    if calendar is not None and calendar.is_24x7:
        calendar = None
    return TargetSpec(
        kind=kind,
        duration=getattr(rule, kind),
        calendar=calendar_snapshot(calendar),
        calendar_id=calendar.pk if calendar is not None else None,
        pause_statuses=frozenset(rule.pause_statuses or ()),
        warning_percent=rule.warning_percent,
        policy_id=rule.pk,
        why=why,
    )


@dataclass(frozen=True)
class TargetStatus:
    kind: str
    label: str
    state: str
    colour: str  # ok / warning / breached / paused / late / met
    due_at: dt.datetime
    time_left: dt.timedelta | None  # business time; negative when overdue; None when stopped
    met_at: dt.datetime | None
    breached_at: dt.datetime | None
    breach_by: dt.timedelta | None
    policy_id: int | None
    why: object  # the rule's reasons as stored (``SlaClock.policy_why``); ``reason`` says them in words
    policy_name: str = ""
    target_seconds: int = 0
    business: bool = False  # counted on a business calendar (else 24×7)

    @property
    def reason(self) -> str:
        """Why the rule applies, in the reader's language: rendered only where it is shown
        (the request page, the API), not for every badge of the queue."""
        return reason_text(self.why)


# A request in one of these statuses has nothing left to act on: its clocks are never
# shown as running late (a breach stays on record as "late", not as a red alarm).
STOPPED_REQUEST_STATUSES = frozenset({Status.CLOSED.value, Status.CANCELLED.value})


def _status(
    clock: SlaClock, now: dt.datetime, cal: CalendarSnapshot | None = None, request_status: str | None = None
) -> TargetStatus:
    if cal is None:
        cal = calendar_snapshot_for(clock.calendar_id)
    if request_status is None:
        request = clock._state.fields_cache.get("request")  # only when loaded with the clock
        request_status = request.status if request is not None else None
    stopped = request_status in STOPPED_REQUEST_STATUSES
    time_left = None
    breach_by = dt.timedelta(seconds=clock.breach_by_seconds) if clock.breached_at else None
    state = clock.state
    if stopped and state in (ClockState.RUNNING, ClockState.PAUSED):
        # Closed or cancelled, the refresh not run yet: stopped, nothing to count down.
        colour = "paused"
        breach_by = None
    elif state == ClockState.RUNNING:
        time_left = business_time_between(cal, now, clock.due_at)
        if now > clock.due_at:
            colour = "breached"
            breach_by = -time_left
        elif now >= clock.warning_at:
            colour = "warning"
        else:
            colour = "ok"
    elif state == ClockState.PAUSED:
        time_left = dt.timedelta(seconds=clock.remaining_seconds)
        colour = "paused"
    elif state == ClockState.BREACHED and (clock.met_at is not None or stopped):
        # Stopped after its due time (met late, or the request cancelled or closed):
        # on record for the KPIs, nothing left to chase.
        colour = "late"
    elif state == ClockState.BREACHED:
        colour = "breached"
        breach_by = business_time_between(cal, clock.due_at, max(now, clock.due_at))
        time_left = -breach_by
    elif state == ClockState.MET:
        colour = "met"
    else:  # cancelled: stopped without an outcome; shown like a paused (grey) clock
        colour = "paused"
    return TargetStatus(
        kind=clock.kind,
        label=str(TargetKind(clock.kind).label),
        state=state,
        colour=colour,
        due_at=clock.due_at,
        time_left=time_left,
        met_at=clock.met_at,
        breached_at=clock.breached_at or (clock.due_at if colour == "breached" else None),
        breach_by=breach_by,
        policy_id=clock.policy_id,
        why=clock.__dict__.get("policy_why"),  # not loaded for a badge (``sla_prefetch``): no query
        # Only when loaded with the clock (select_related): never a query per row.
        policy_name=rule_name(str(clock._state.fields_cache.get("policy") or "")),
        target_seconds=clock.target_seconds,
        business=clock.calendar_id is not None,
    )


def _clocks_of_request(pk):
    return (
        SlaClock.objects.filter(request_id=pk)
        .select_related("calendar", "policy")
        .only(*BADGE_CLOCK_FIELDS, "policy_why", "policy__name")  # a status's columns, not the rule's 25
        .annotate(refresh_pending=Exists(SlaRefreshPending.objects.filter(request_id=OuterRef("request_id"))))
        .order_by()  # ``sla_statuses`` puts them in target order
    )


# A request page's clocks with whether a refresh is pending (compiled once: core.compiled).
_CLOCKS_OF_REQUEST = CompiledLookup(_clocks_of_request)


def sla_status_for(request: ServiceRequest, *, now: dt.datetime | None = None) -> list[TargetStatus]:
    """Each target of ``request``, judged against ``now``: as stored by the last refresh,
    or, while a refresh is still pending (the worker has not run since the request was
    filed or changed), as :func:`sla_status_live` computes it from the timeline.

    One query when the stored clocks are current (the clocks with their calendars and
    whether a refresh is pending); calendar snapshots come from the cache."""
    clocks = _CLOCKS_OF_REQUEST.rows(request.pk)
    if clocks:
        pending = clocks[0].refresh_pending
    else:
        pending = SlaRefreshPending.objects.filter(request_id=request.pk).exists()
    if pending:
        live = sla_status_live(request, now=now)
        if live is not None:
            return live
    return sla_statuses(clocks, now=now, request_status=request.status)


# The targets a promise at intake names after the response: the first one still running.
PROMISE_NEXT = (TargetKind.APPOINTMENT_CONTACT, TargetKind.ARRIVAL, TargetKind.RESOLUTION)


def sla_promise_for(request: ServiceRequest, *, now: dt.datetime | None = None) -> list[TargetStatus]:
    """What to promise the customer when the request is acknowledged (R-SR-3): the first
    response the applicable rule sets, and the next target still running (appointment
    contact, on-site arrival or resolution), with their due times. Computed like the
    clocks (:func:`sla_status_live`), so it is right before the worker's refresh too."""
    statuses = sla_status_live(request, now=now) or []
    by_kind = {s.kind: s for s in statuses}
    out = [by_kind[TargetKind.FIRST_RESPONSE]] if TargetKind.FIRST_RESPONSE in by_kind else []
    running = ("ok", "warning", "breached", "paused")
    following = next((by_kind[k] for k in PROMISE_NEXT if k in by_kind and by_kind[k].colour in running), None)
    if following is not None:
        out.append(following)
    return out


def sla_status_live(request: ServiceRequest, *, now: dt.datetime | None = None) -> list[TargetStatus] | None:
    """Each target of ``request`` computed now from its timeline and the active rules,
    exactly as the refresh will store it (``clocks.clocks_compute``), without writing.

    For the request page between a change and the worker's refresh (right after intake);
    None when a calendar has no working time to place a deadline."""
    from dataclasses import fields as dataclass_fields

    from aftersales.tickets.models import ServiceRequestEvent

    from .businesstime import NoWorkingTime
    from .clocks import ClockResult, clocks_compute

    now = now or timezone.now()
    events = ServiceRequestEvent.objects.filter(
        request_id=request.pk, kind__in=[ServiceRequestEvent.Kind.CREATED, ServiceRequestEvent.Kind.TRANSITION]
    ).order_by("at", "id")
    rules = policy_rules_active()
    targets = policy_targets_for(request, rules)
    try:
        results = clocks_compute(request, list(events), targets, now=now)
    except NoWorkingTime:
        return None
    by_id = {rule.pk: rule for rule in rules}
    names = [f.name for f in dataclass_fields(ClockResult)]
    out = []
    for result in results:
        clock = SlaClock(request_id=request.pk, computed_at=now, **{name: getattr(result, name) for name in names})
        clock.policy = by_id.get(result.policy_id)
        out.append(_status(clock, now, targets[result.kind].calendar, request.status))
    return out


def sla_statuses(clocks, *, now: dt.datetime | None = None, request_status: str | None = None) -> list[TargetStatus]:
    """Statuses of clocks loaded with ``select_related("calendar")`` (or prefetched), in
    target order, without further queries while the calendars' snapshots are cached.

    ``request_status``: the request's status (a closed or cancelled request's clocks are
    never shown as breached); read from ``clock.request`` when that was loaded with it."""
    now = now or timezone.now()
    order = {k: i for i, k in enumerate(TargetKind.values)}
    out = []
    for clock in sorted(clocks, key=lambda c: order[c.kind]):
        cal = calendar_snapshot(clock.calendar) if clock.calendar_id else ALWAYS
        out.append(_status(clock, now, cal, request_status))
    return out


# Which clock a one-badge summary shows: the most pressing first.
COLOUR_RANK = {"breached": 0, "warning": 1, "ok": 2, "paused": 3, "late": 4, "met": 5}


def sla_headline(statuses: list[TargetStatus]) -> TargetStatus | None:
    """The most pressing target: breached (longest overdue), then warning, ok, paused
    (soonest due), then met."""
    if not statuses:
        return None
    return min(statuses, key=lambda s: (COLOUR_RANK[s.colour], s.due_at))


# What a badge reads of a clock (``_status``) and of its calendar (``calendar_snapshot``; the rest
# of the calendar only when its snapshot is built). Not the rule's reasons, pauses and history:
# JSON a badge never shows (decoding it was a fifth of the queue's SLA cost).
BADGE_CLOCK_FIELDS = (
    "request_id",
    "kind",
    "policy_id",
    "calendar_id",
    "target_seconds",
    "due_at",
    "warning_at",
    "remaining_seconds",
    "state",
    "met_at",
    "breached_at",
    "breach_by_seconds",
    "calendar__revision",
    "calendar__is_24x7",
    "calendar__make_up_weekday",
    "calendar__time_zone",
)


def sla_prefetch(requests) -> None:
    """Load the clocks (with calendars) of a page of requests in one query, with what their
    badges read only: a status of these clocks has no ``why`` (its ``reason`` is empty)."""
    from django.db.models import Prefetch, prefetch_related_objects

    prefetch_related_objects(
        list(requests),
        Prefetch("sla_clocks", queryset=SlaClock.objects.select_related("calendar").only(*BADGE_CLOCK_FIELDS)),
    )


def _open_breach_q(now: dt.datetime) -> Q:
    """Clocks overdue and still open: running past due (not flipped yet) or breached
    without an end, on a request that was not cancelled."""
    return (Q(state=ClockState.RUNNING, due_at__lte=now) | Q(state=ClockState.BREACHED, met_at__isnull=True)) & ~Q(
        request__status=Status.CANCELLED
    )


def sla_clock_list_for(user, view: str, *, now: dt.datetime | None = None, kind: str | None = None):
    """Clocks of the requests ``user`` may see: "at_risk" (warning reached, not breached)
    or "breached" (overdue and still open), most urgent first, with their requests."""
    from .permissions import clock_list_for

    now = now or timezone.now()
    qs = clock_list_for(user)
    if view == "at_risk":
        qs = qs.filter(state=ClockState.RUNNING, warning_at__lte=now, due_at__gt=now)
    elif view == "breached":
        qs = qs.filter(_open_breach_q(now))
    else:
        raise ValueError(view)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related(
        "calendar", "policy", "request__customer", "request__assigned_technician", "request__region"
    )


def sla_escalation_list(
    user, *, level: int | None = None, kind: str | None = None, date_from=None, date_to=None
) -> QuerySet[SlaEscalation]:
    """The escalation log ``user`` may read (level 0 = warnings), newest first, with requests; filters optional.

    ``date_from``/``date_to`` are local dates, both inclusive."""
    from .permissions import escalation_list_for

    qs = escalation_list_for(user).select_related("request", "request__customer")
    if level is not None:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if date_from:
        qs = qs.filter(at__gte=_local_midnight(date_from))
    if date_to:
        qs = qs.filter(at__lt=_local_midnight(date_to + dt.timedelta(days=1)))
    return qs


def sla_escalation_counts(qs) -> dict[int, int]:
    """How many rows per level in ``qs`` (one GROUP BY)."""
    from django.db.models import Count

    return dict(qs.order_by().values_list("level").annotate(n=Count("id")).values_list("level", "n"))


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day))


def escalation_levels() -> list[EscalationLevel]:
    return list(EscalationLevel.objects.order_by("kind", "level"))


# --- the preview: which rule and when, for a request that does not exist -------------


@dataclass(frozen=True)
class DeadlineRow:
    kind: str
    label: str
    duration: dt.timedelta
    business: bool
    calendar_name: str
    due_at: dt.datetime | None
    warning_at: dt.datetime | None
    error: str = ""
    rule: SlaPolicy | None = None  # the preview's matched rule and why
    reason: str = ""


def _deadline_row(kind: str, duration, *, business: bool, calendar_name: str | None, compute, **extra) -> DeadlineRow:
    """One target's row: ``compute()`` gives (due, warning); a calendar with no working time
    left is said in the row instead. No ``calendar_name``: shown as round the clock."""
    from .businesstime import NoWorkingTime

    try:
        due, warning = compute()
        error = ""
    except NoWorkingTime:
        due = warning = None
        error = gettext("The calendar has no working time after this moment.")
    return DeadlineRow(
        kind=kind,
        label=str(TargetKind(kind).label),
        duration=duration,
        business=business,
        calendar_name=calendar_name if calendar_name is not None else gettext("24×7"),
        due_at=timezone.localtime(due) if due else None,
        warning_at=timezone.localtime(warning) if warning else None,
        error=error,
        **extra,
    )


def sla_preview(facts: RequestFacts, filed_at: dt.datetime) -> list[DeadlineRow]:
    """What each target would be for a request with ``facts`` filed at ``filed_at``:
    the matched rule, why, and the due and warning times. Reads only."""
    from .businesstime import add_business_time

    rules = policy_rules_active()
    by_id = {r.pk: r for r in rules}
    names = dict(Calendar.objects.values_list("pk", "name"))
    out = []
    for kind, spec in targets_for_facts(facts, rules).items():

        def compute(spec=spec):
            return (
                add_business_time(spec.calendar, filed_at, spec.duration),
                add_business_time(spec.calendar, filed_at, spec.duration * spec.warning_percent / 100),
            )

        calendar_name = calendar_shown(names.get(spec.calendar_id, "")) if spec.calendar_id is not None else None
        out.append(
            _deadline_row(
                kind,
                spec.duration,
                business=spec.calendar_id is not None,
                calendar_name=calendar_name,
                compute=compute,
                rule=by_id[spec.policy_id],
                reason=reason_text(spec.why),
            )
        )
    return out


def followup_window_for(service_type: str) -> tuple[dt.timedelta, dt.timedelta] | None:
    """(earliest, latest) after completion for the follow-up call of this service type."""
    rows = {
        w.service_type: w
        for w in FollowUpWindow.objects.filter(Q(service_type=service_type) | Q(service_type__isnull=True))
    }
    row = rows.get(service_type) or rows.get(None)
    if row is None:
        return None
    return dt.timedelta(hours=row.earliest_hours), dt.timedelta(hours=row.latest_hours)


# --- the settings pages' previews: the clocks' own arithmetic on unsaved edits ----------


def rule_deadlines(rule: SlaPolicy, *, received_at: dt.datetime) -> list[DeadlineRow]:
    """When a request received at ``received_at`` would be due on each target ``rule`` sets
    (saved or a draft from the settings form), computed as its clocks would be
    (:func:`target_spec` and ``clocks.clock_compute``). Reads only."""
    from .clocks import clock_compute

    default: dict = {}
    out = []
    for kind in TargetKind.values:
        duration = getattr(rule, kind)
        if duration is None:
            continue
        spec = target_spec(rule, kind, default=default)
        calendar = None
        if spec.calendar_id is not None:
            calendar = rule.calendar if rule.calendar_id == spec.calendar_id else default.get("calendar")

        def compute(spec=spec):
            result = clock_compute(spec, received_at, [], now=received_at)
            return result.due_at, result.warning_at

        out.append(
            _deadline_row(
                kind,
                duration,
                business=spec.calendar_id is not None,
                calendar_name=calendar_shown(calendar.name) if calendar is not None else None,
                compute=compute,
            )
        )
    return out


@dataclass(frozen=True)
class CalendarDeadline:
    duration: dt.timedelta
    rules: tuple[str, ...]  # the rules (and targets) that count this long on the calendar
    due_at: dt.datetime | None


# Lengths always shown besides the ones the rules count on the calendar.
SAMPLE_DURATIONS = (dt.timedelta(minutes=30), dt.timedelta(hours=4), dt.timedelta(hours=24))


def calendar_deadlines(
    calendar: Calendar | None, snapshot: CalendarSnapshot, *, received_at: dt.datetime
) -> list[CalendarDeadline]:
    """For each length of working time the active rules count on ``calendar`` (and a few
    samples), when a request received at ``received_at`` would be due on ``snapshot``
    (the calendar, or a draft of it): ``businesstime.add_business_time``, as the clocks."""
    from .businesstime import NoWorkingTime, add_business_time

    uses: dict[dt.timedelta, list[str]] = defaultdict(list)
    if calendar is not None and calendar.pk:
        for rule in policy_rules_active():
            counts_here = rule.calendar_id == calendar.pk or (rule.calendar_id is None and calendar.is_default)
            for kind in TargetKind.values:
                duration = getattr(rule, kind)
                if counts_here and duration is not None and getattr(rule, f"{kind}_business"):
                    uses[duration].append(f"{rule.display_name} · {TargetKind(kind).label}")
    durations = sorted(set(uses) | set(SAMPLE_DURATIONS))
    out = []
    for duration in durations:
        try:
            due = timezone.localtime(add_business_time(snapshot, received_at, duration))
        except NoWorkingTime:
            due = None
        out.append(CalendarDeadline(duration=duration, rules=tuple(uses.get(duration, ())), due_at=due))
    return out


@dataclass(frozen=True)
class CalendarDayView:
    date: dt.date
    spans: tuple[tuple[dt.time, dt.time], ...]
    day: CalendarDay | None  # the override of that date, if any


def calendar_days_ahead(snapshot: CalendarSnapshot, calendar: Calendar | None, *, start: dt.date, days: int = 14):
    """The working hours of the next ``days`` dates on ``snapshot``, with each date's
    override (holiday, make-up day) if it has one: the calendar page's strip."""
    overrides = {}
    if calendar is not None and calendar.pk:
        end = start + dt.timedelta(days=days)
        overrides = {d.date: d for d in CalendarDay.objects.filter(calendar=calendar, date__gte=start, date__lt=end)}
    out = []
    for i in range(days):
        day = start + dt.timedelta(days=i)
        spans = tuple(
            (
                (dt.datetime.min + dt.timedelta(seconds=a)).time(),
                (dt.datetime.min + dt.timedelta(seconds=b % 86400)).time(),
            )
            for a, b in snapshot.local_spans(day)
        )
        out.append(CalendarDayView(date=day, spans=spans, day=overrides.get(day)))
    return out


def calendar_list() -> list[Calendar]:
    """Every calendar with its weekly hours, for the settings pages."""
    return list(Calendar.objects.prefetch_related("periods").order_by("-is_default", "name"))


def policy_list() -> list[SlaPolicy]:
    """Every rule, active first, in the order they are tried."""
    return list(
        SlaPolicy.objects.select_related("calendar", "product_category").order_by("-is_active", "precedence", "id")
    )


# --- complaint reply deadlines (R-SLA-1, seed 002; read by the complaints app) ----------------

# When no category row matches (an administrator deleted it): seed 002's "other problems".
COMPLAINT_FALLBACK_HOURS = 72
COMPLAINT_WARNING_PERCENT = 80


@dataclass(frozen=True)
class ComplaintDeadline:
    """When a complaint filed at ``filed_at`` must be answered, and when it is at risk."""

    due_at: dt.datetime
    warning_at: dt.datetime
    hours: int
    business: bool


def complaint_deadline_for(category: str, filed_at: dt.datetime) -> ComplaintDeadline:
    """The reply deadline of a complaint of ``category`` (a ``ComplaintCategory`` code), filed at
    ``filed_at``: its hours on the default business calendar (holidays, 调休) when the category
    counts business time, else around the clock. The warning falls at 80 % of the time."""
    rows = {row.code: row for row in ComplaintCategory.objects.filter(code__in=[category, "other"])}
    row = rows.get(category) or rows.get("other")
    hours = row.reply_hours if row is not None else COMPLAINT_FALLBACK_HOURS
    business = bool(row is not None and row.business_time)
    duration = dt.timedelta(hours=hours)
    warn = duration * COMPLAINT_WARNING_PERCENT / 100
    cal = calendar_snapshot(calendar_default()) if business else ALWAYS
    return ComplaintDeadline(
        due_at=add_business_time(cal, filed_at, duration),
        warning_at=add_business_time(cal, filed_at, warn),
        hours=hours,
        business=business,
    )
