"""Warnings and escalation (R-SLA-4, seed 001 §6.4): the sweep.

One sweep, run every minute by the worker (``tasks.sla_sweep_task``) or by hand
(``manage.py sla_sweep``), does three things, each in bounded batches and each touching
only rows that are due, through partial indexes:

1. **Breach flip** — running clocks whose ``due_at`` has passed become ``breached``
   (``breached_at`` = due, ``breach_by`` measured on the clock's calendar) and are
   scheduled for escalation; the level due at the breach (level 1: no delay) is claimed
   by the flip's own UPDATE and acted on in the same batch, as phase 3 would. Index
   ``sla_clock_state_due`` (state, due_at).
2. **Warnings** — running clocks past ``warning_at`` that were not warned yet: the
   matrix's level 0 audience is notified. Index ``sla_clock_warn_pending``.
3. **Escalation** — breached clocks whose next level is due (``escalate_at``): each
   level of the matrix acts once — notify (in the app, by e-mail), raise the priority,
   reassign / move to a partner's queue, a note on the request's timeline, and a
   :class:`SlaEscalation` row for KPIs. Index ``sla_clock_escalate_pending``.

Exactly once, with any number of sweepers and crashes:

- A batch is one transaction. Its clock rows are locked ``FOR UPDATE SKIP LOCKED`` (a
  concurrent sweeper takes other rows), then their requests, also SKIP LOCKED (a
  request being edited or refreshed right now is left for the next sweep — nobody
  ever waits, so there is no deadlock with ``sla_refresh``, which locks the request and
  then its clocks).
- Each warning and level is *claimed* by a conditional UPDATE — ``SET warned_at = now
  WHERE warned_at IS NULL …`` / ``SET escalation_level = L WHERE escalation_level =
  L-1 …`` — and acted on only if it updated the row. The claim and every write of the
  action (notifications, timeline note, priority, assignment, the log row) commit
  together: a worker killed between claim and action loses the whole batch, which the
  next sweep does again; a committed claim is never repeated.
- Notifications and e-mails are outbox rows written in the batch's transaction (the
  in-app ones delivered in it): a rolled-back batch tells nobody, a committed one loses
  nothing; the outbox worker sends the e-mails after commit, with retries.
- Texts (notes, notifications, e-mails) are stored as message keys with parameters
  (``sla/messages.py``) and rendered in each reader's language.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.sql import UpdateQuery
from django.urls import reverse
from django.utils import timezone, translation

from aftersales.accounts.choices import Role
from aftersales.accounts.system import SYSTEM_USERNAME, system_user
from aftersales.core.bulk import RowWriter, pk_in
from aftersales.core.errors import DomainError
from aftersales.core.messages import Message, msg
from aftersales.notifications.models import Channel
from aftersales.notifications.services import Outgoing, messages_send_bulk
from aftersales.tickets.choices import PRIORITY_RANK, TRANSITIONS, Action, Priority, Status
from aftersales.tickets.models import ServiceRequest
from aftersales.tickets.services import request_notes_add, request_transition, request_update

from .businesstime import business_time_between
from .clocks import stop_statuses
from .defaults import LEVEL_NAMES
from .models import Calendar, ClockState, EscalationLevel, SlaClock, SlaEscalation
from .signals import clocks_changed_on_commit

logger = logging.getLogger(__name__)

DEFAULT_BATCH = 500
_URL_MARK = 987654321012345
# The request columns the sweep reads (the people come from the context's cache). A level
# that changes the request (priority, reassignment) reloads it whole first.
REQUEST_FIELDS = (
    "id",
    "number",
    "status",
    "priority",
    "assigned_technician_id",
    "assigned_organization_id",
    "created_by_id",
)
# The clock columns the sweep reads (not the JSON pauses and history).
LOADED = (
    "id",
    "request_id",
    "kind",
    "calendar_id",
    "due_at",
    "warning_at",
    "state",
    "met_at",
    "breached_at",
    "warned_at",
    "warn_at",
    "escalation_level",
    "escalation_anchor_at",
    "escalate_at",
)


# --- the matrix -----------------------------------------------------------------


class Matrix:
    """The active escalation levels, loaded once per sweep.

    For a clock of target K the levels are the rows naming K if there are any,
    otherwise the rows without a target."""

    def __init__(self, rows: list[EscalationLevel]):
        by_kind: dict[str, list[EscalationLevel]] = defaultdict(list)
        for row in rows:
            by_kind[row.kind].append(row)
        self._by_kind = {k: sorted(v, key=lambda r: r.level) for k, v in by_kind.items()}

    @classmethod
    def load(cls) -> Matrix:
        rows = list(
            EscalationLevel.objects.filter(is_active=True)
            .select_related("reassign_technician", "reassign_organization", "act_as")
            .prefetch_related("notify_users")
        )
        return cls(rows)

    def rows_for(self, kind: str) -> list[EscalationLevel]:
        return self._by_kind.get(kind) or self._by_kind.get("", [])

    def warning_for(self, kind: str) -> EscalationLevel | None:
        return next((r for r in self.rows_for(kind) if r.level == EscalationLevel.WARNING), None)

    def next_after(self, kind: str, level: int) -> EscalationLevel | None:
        return next((r for r in self.rows_for(kind) if r.level > max(level, 0)), None)

    def has_levels(self, kind: str) -> bool:
        return self.next_after(kind, 0) is not None


def escalation_schedule(
    rows: list[EscalationLevel], kind: str, *, due_at: dt.datetime, warning_at: dt.datetime | None = None
) -> list[tuple[EscalationLevel, dt.datetime | None]]:
    """When each active level would act for a clock of target ``kind`` that falls due at
    ``due_at`` and is not met: the warning (level 0) at ``warning_at``, level N at the
    breach plus its delay, as the sweep does (``escalation_anchor_at + delay``). ``rows``
    may hold unsaved drafts (the settings page's preview). Reads only."""
    matrix = Matrix([row for row in rows if row.is_active])
    return [(row, warning_at if row.is_warning else due_at + row.delay) for row in matrix.rows_for(kind)]


# --- results --------------------------------------------------------------------


@dataclass
class SweepResult:
    flipped: int = 0
    warned: int = 0
    escalated: int = 0  # level actions taken (a clock jumping two levels counts twice)
    notifications: int = 0
    busy: int = 0  # due rows left for the next sweep because their request was locked
    seconds: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "flipped": self.flipped,
            "warned": self.warned,
            "escalated": self.escalated,
            "notifications": self.notifications,
            "busy": self.busy,
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
        }


class _Context:
    """Per-sweep caches: calendars, role members, the system user."""

    def __init__(self, now: dt.datetime, matrix: Matrix, slow_ms: int = 0):
        from .selectors import calendar_snapshot

        self.now = now
        self.matrix = matrix
        self.slow = slow_ms / 1000
        self._calendars = {c.pk: calendar_snapshot(c) for c in Calendar.objects.all()}
        self._roles: dict[str, list] = {}
        self._users: dict[int, object] = {}
        self._levels: dict[int, list] = {}
        self._system = None
        self._url = None

    def calendar(self, calendar_id):
        from .businesstime import ALWAYS

        return self._calendars.get(calendar_id, ALWAYS) if calendar_id else ALWAYS

    @property
    def system(self):
        if self._system is None:
            self._system = system_user()
        return self._system

    def role_members(self, role: str) -> list:
        if role not in self._roles:
            from django.contrib.auth import get_user_model

            self._roles[role] = list(get_user_model().objects.filter(role=role, is_active=True).order_by("pk"))
        return self._roles[role]

    def users_load(self, ids) -> None:
        """Load the people not seen yet in this sweep (a batch's assignees and creators: one
        query, usually a few staff for thousands of requests)."""
        from django.contrib.auth import get_user_model

        missing = {pk for pk in ids if pk is not None and pk not in self._users}
        if missing:
            self._users.update(get_user_model().objects.in_bulk(sorted(missing)))

    def level_people(self, row: EscalationLevel) -> list:
        """The people a level tells whatever the request (its role's members, its named
        people), filtered as ``_recipients`` does, once per sweep."""
        if row.pk not in self._levels:
            people = list(self.role_members(row.notify_role)) if row.notify_role else []
            self._levels[row.pk] = _reachable(people + list(row.notify_users.all()), set())
        return self._levels[row.pk]

    def user(self, pk):
        """A person by id (loaded by ``users_load``; one not seen yet — a reassignment's
        new technician — is loaded now)."""
        if pk is None:
            return None
        if pk not in self._users:
            self.users_load([pk])
        return self._users.get(pk)

    def request_url(self, pk: int) -> str:
        """The request's page (``ServiceRequest.get_absolute_url``), reversed once per sweep:
        the notifications' link, thousands of times a batch."""
        if self._url is None:
            self._url = reverse("tickets:detail", args=[_URL_MARK])
        return self._url.replace(str(_URL_MARK), str(pk))

    def pause(self) -> None:
        """``--slow-ms``: stretch the sweep so a test can kill it part-way."""
        if self.slow:
            time.sleep(self.slow)


# --- helpers ----------------------------------------------------------------------


def _lock_requests(ctx: _Context, ids) -> dict[int, ServiceRequest]:
    """Lock the requests that nobody else holds; the others wait for the next sweep. Only
    the columns the sweep reads (``REQUEST_FIELDS``); their people into the context."""
    qs = ServiceRequest.objects.select_for_update(skip_locked=True).filter(pk_in(ServiceRequest, sorted(ids)))
    qs = qs.only(*REQUEST_FIELDS)
    requests = {r.pk: r for r in qs}
    ctx.users_load([pk for r in requests.values() for pk in (r.assigned_technician_id, r.created_by_id)])
    return requests


def _reload_requests(requests: dict[int, ServiceRequest], ids) -> None:
    """The whole rows of these (locked) requests, for the levels that change them through
    the tickets services."""
    if ids:
        requests.update(ServiceRequest.objects.select_related("assigned_technician", "created_by").in_bulk(sorted(ids)))


def _stopped(clock: SlaClock, request: ServiceRequest) -> bool:
    """The request already left the clock's counting statuses (its refresh is on the way)."""
    return request.status == Status.CANCELLED or request.status in stop_statuses(clock.kind)


def _reachable(people, seen: set) -> list:
    """Active staff, never customers, never the system user; each person once (``seen``:
    the ids taken already, updated)."""
    out = []
    for user in people:
        if (
            user is None
            or user.pk in seen
            or not user.is_active
            or user.role == Role.CUSTOMER
            or user.username == SYSTEM_USERNAME
        ):
            continue
        seen.add(user.pk)
        out.append(user)
    return out


def _recipients(row: EscalationLevel | None, request: ServiceRequest, ctx: _Context) -> list:
    """Who the level tells: its role, its named people, the assignee and/or the creator.
    Only active staff; never customers, never the system user; each person once. The
    level's own people (role, named) are worked out once per sweep."""
    if row is None:
        return []
    fixed = ctx.level_people(row)
    people = [
        ctx.user(pk)
        for pk, on in (
            (request.assigned_technician_id, row.notify_assignee),
            (request.created_by_id, row.notify_creator),
        )
        if on and pk
    ]
    if not people:
        return list(fixed)
    return fixed + _reachable(people, {u.pk for u in fixed})


def _outgoing(
    row: EscalationLevel | None, people: list, *, message: Message, request, url: str | None = None
) -> list[Outgoing]:
    """One message per person on the level's channels (in the app, by e-mail)."""
    channels = tuple(c for c, on in ((Channel.IN_APP, row and row.in_app), (Channel.EMAIL, row and row.email)) if on)
    if not channels:
        return []
    return [
        Outgoing(key=message.key, params=message.params, recipient=u, channels=channels, link=request, url=url)
        for u in people
    ]


def _write(ctx: _Context, drafts: list[Outgoing], logs: list[dict], result: SweepResult) -> None:
    """A batch's notifications (``notifications.services.messages_send_bulk``) and log rows
    (:class:`SlaEscalation`, one COPY), in the batch's transaction."""
    sent = messages_send_bulk(drafts, now=ctx.now)
    result.notifications += sent.get(Channel.IN_APP, 0)
    if logs:
        RowWriter(SlaEscalation, db_ids=True, at=ctx.now).write(logs)


def action_message(entry: dict) -> Message:
    """One logged escalation action as a message ("notified 3", "priority Normal → High", …)."""
    if entry["action"] == "notify":
        key = "sla.action.notified_email" if entry.get("email") and entry["people"] else "sla.action.notified"
        return msg(key, n=entry["people"])
    if entry["action"] == "priority":
        if entry["done"]:
            return msg("sla.action.priority", old=entry["from"], new=entry["to"])
        return msg("sla.action.priority_kept", why=entry["why"])
    if entry["action"] == "reassign":
        return msg("sla.action.reassigned") if entry["done"] else msg("sla.action.not_reassigned", why=entry["why"])
    return msg("core.text", text=str(entry))


def _claim_returning(
    ids: list[int], *, set_sql: str, set_params: list, where_sql: str, where_params: list
) -> list[int]:
    """``UPDATE … WHERE id IN (ids) AND <where> RETURNING id``: the rows this worker won."""
    if not ids:
        return []
    table = SlaClock._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    if connection.vendor == "postgresql":  # one array parameter (see core.bulk.pk_in)
        ids_sql, ids_params = "id = ANY(%s::bigint[])", [list(ids)]
    else:
        ids_sql, ids_params = f"id IN ({', '.join(['%s'] * len(ids))})", list(ids)
    params = [adapt(p) if isinstance(p, dt.datetime) else p for p in set_params]
    params += ids_params
    params += [adapt(p) if isinstance(p, dt.datetime) else p for p in where_params]
    sql = f"UPDATE {table} SET {set_sql} WHERE {ids_sql} AND {where_sql} RETURNING id"  # noqa: S608 - fixed SQL, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _update_returning(ids: list[int], where: Q, **values) -> list[int]:
    """``UPDATE clocks SET <values> WHERE id IN (ids) AND <where> RETURNING id`` (values may
    be expressions): the rows this worker won."""
    if not ids:
        return []
    query = UpdateQuery(SlaClock)
    query.add_update_values(values)
    query.add_q(Q(pk_in(SlaClock, ids)) & where)
    sql, params = query.get_compiler(connection.alias).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {connection.ops.quote_name(SlaClock._meta.pk.column)}", params)
        return [row[0] for row in cursor.fetchall()]


# --- 1. breach flip -----------------------------------------------------------------


def _flip_batch(ctx: _Context, batch: int, result: SweepResult) -> int:
    """Flip one batch of running clocks past due to breached, and act on the level due at
    the breach (level 1, no delay by default) in the same pass: one SELECT … FOR UPDATE
    SKIP LOCKED of the clocks, one of their requests, and one UPDATE joined to the batch's
    computed values that is at once the flip and the level's claim (``RETURNING``: only the
    rows it changed are acted on). A clock whose request is busy or already left the
    clock's statuses, or whose first level waits for a delay, is flipped and put on the
    escalation work list, as before, for phase 3."""
    with transaction.atomic():
        rows = list(
            SlaClock.objects.select_for_update(skip_locked=True)
            .filter(state=ClockState.RUNNING, due_at__lte=ctx.now)
            .order_by("due_at", "id")
            .only(*LOADED)[:batch]
        )
        if not rows:
            return 0
        requests = _lock_requests(ctx, {c.request_id for c in rows})
        values, claimed = [], {}
        for clock in rows:
            late = business_time_between(ctx.calendar(clock.calendar_id), clock.due_at, ctx.now)
            anchor = clock.escalation_anchor_at or clock.due_at
            row = ctx.matrix.next_after(clock.kind, clock.escalation_level)
            request = requests.get(clock.request_id)
            level, escalate_at, escalated = clock.escalation_level, None, 0
            if row is not None:
                escalate_at = anchor  # phase 3 looks at it (as the flip always did)
                if (
                    request is not None
                    and clock.met_at is None
                    and not _stopped(clock, request)
                    and anchor + row.delay <= ctx.now
                ):
                    following = ctx.matrix.next_after(clock.kind, row.level)
                    level, escalated = row.level, 1
                    escalate_at = anchor + following.delay if following else None
                    claimed[clock.pk] = row
            values.append((clock.pk, max(0, int(late.total_seconds())), level, escalated, escalate_at))
        table = SlaClock._meta.db_table
        adapt = connection.ops.adapt_datetimefield_value
        if connection.vendor == "postgresql":  # one array per column (see core.bulk.pk_in)
            rows_sql = "SELECT * FROM unnest(%s::bigint[], %s::int[], %s::int[], %s::int[], %s::timestamptz[])"
            params = [list(column) for column in zip(*values, strict=True)]
        else:
            rows_sql = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s)"] * len(values))
            params = [adapt(p) if isinstance(p, dt.datetime) else p for row in values for p in row]
        # The breach the levels count from is the due time (kept if an earlier breach set it).
        sql = (
            f"WITH v(id, late, lvl, escalated, next_at) AS ({rows_sql}) "  # noqa: S608 - fixed SQL, values are parameters
            f"UPDATE {table} SET state = %s, breached_at = due_at, breach_by_seconds = v.late, "
            f"remaining_seconds = -v.late, computed_at = %s, warn_at = NULL, "
            f"escalation_anchor_at = COALESCE(escalation_anchor_at, due_at), escalation_level = v.lvl, "
            f"escalated_at = CASE WHEN v.escalated = 1 THEN %s ELSE escalated_at END, escalate_at = v.next_at "
            f"FROM v WHERE {table}.id = v.id AND {table}.state = %s RETURNING {table}.id"
        )
        params += [ClockState.BREACHED, adapt(ctx.now), adapt(ctx.now), ClockState.RUNNING]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            won = {pk for (pk,) in cursor.fetchall()}
        clocks_changed_on_commit([c.request_id for c in rows])
        live = []
        for clock in rows:
            if clock.pk in won and clock.pk in claimed:
                # What the UPDATE wrote, on the instance the levels read.
                clock.state, clock.breached_at = ClockState.BREACHED, clock.due_at
                clock.escalation_anchor_at = clock.escalation_anchor_at or clock.due_at
                clock.escalation_level = claimed[clock.pk].level
                following = ctx.matrix.next_after(clock.kind, clock.escalation_level)
                clock.escalate_at = clock.escalation_anchor_at + following.delay if following else None
                live.append(_Claimed(clock, claimed[clock.pk]))
        _levels_act(ctx, [], requests, result, claimed=live)
    return len(rows)


# --- 2. warnings ----------------------------------------------------------------------


def _warn_batch(ctx: _Context, batch: int, after: tuple | None, result: SweepResult) -> tuple | None:
    """One batch of warnings; returns the keyset cursor for the next one (None: done)."""
    with transaction.atomic():
        qs = SlaClock.objects.select_for_update(skip_locked=True).filter(warn_at__lte=ctx.now).only(*LOADED)
        if after is not None:
            qs = qs.filter(Q(warn_at__gt=after[0]) | Q(warn_at=after[0], id__gt=after[1]))
        rows = list(qs.order_by("warn_at", "id")[:batch])
        if not rows:
            return None
        cursor = (rows[-1].warn_at, rows[-1].pk)
        requests = _lock_requests(ctx, {c.request_id for c in rows})
        ready = [c for c in rows if c.request_id in requests and not _stopped(c, requests[c.request_id])]
        result.busy += sum(1 for c in rows if c.request_id not in requests)
        won = set(
            _claim_returning(
                [c.pk for c in ready],
                set_sql="warned_at = %s, warn_at = NULL",
                set_params=[ctx.now],
                where_sql="state = %s AND warned_at IS NULL AND warning_at <= %s",
                where_params=[ClockState.RUNNING, ctx.now],
            )
        )
        # Listed but not warnable any more (no longer running, already warned): off the
        # work list until a refresh puts them back.
        stale = [c.pk for c in ready if c.pk not in won]
        if stale:
            SlaClock.objects.filter(pk__in=stale).exclude(state=ClockState.RUNNING, warned_at__isnull=True).update(
                warn_at=None
            )
        drafts, logs = [], []
        for clock in ready:
            if clock.pk not in won:
                continue
            ctx.pause()
            request = requests[clock.request_id]
            row = ctx.matrix.warning_for(clock.kind)
            left = business_time_between(ctx.calendar(clock.calendar_id), ctx.now, clock.due_at)
            message = msg("sla.warning", number=request.number, target=clock.kind, due=clock.due_at, left=left)
            people = _recipients(row, request, ctx)
            mine = _outgoing(row, people, message=message, request=request, url=ctx.request_url(request.pk))
            drafts += mine
            logs.append(
                {
                    "clock_id": clock.pk,
                    "request_id": request.pk,
                    "kind": clock.kind,
                    "level": EscalationLevel.WARNING,
                    "level_name": row.name if row else LEVEL_NAMES[0],
                    "due_at": clock.due_at,
                    "breach_by_seconds": 0,
                    "actions": [{"action": "notify", "people": len(people), "email": bool(row and row.email)}],
                    "notified": len(people) if mine else 0,
                }
            )
        _write(ctx, drafts, logs, result)
        result.warned += len(logs)
    return cursor


# --- 3. escalation ---------------------------------------------------------------------


def _raise_priority(row: EscalationLevel, request: ServiceRequest, actor, now) -> tuple[ServiceRequest, dict | None]:
    target = row.raise_priority_to
    if not target or PRIORITY_RANK[Priority(request.priority)] <= PRIORITY_RANK[Priority(target)]:
        return request, None
    before = request.priority
    try:
        with transaction.atomic():
            request = request_update(actor=actor, request=request, priority=target, now=now)
    except DomainError as exc:
        return request, {"action": "priority", "done": False, "why": str(exc.message)}
    return request, {"action": "priority", "done": True, "from": before, "to": target}


def _reassign(row: EscalationLevel, request: ServiceRequest, actor, now) -> tuple[ServiceRequest, dict | None]:
    technician, organization = row.reassign_technician, row.reassign_organization
    if technician is None and organization is None:
        return request, None
    entry = {
        "action": "reassign",
        "technician": technician.pk if technician else None,
        "organization": organization.pk if organization else None,
    }
    if technician is not None and request.assigned_technician_id == technician.pk:
        return request, {**entry, "done": False, "why": msg("sla.why.already_assigned").as_dict()}
    if (
        technician is None
        and request.assigned_technician_id is None
        and request.assigned_organization_id == organization.pk
    ):
        return request, {**entry, "done": False, "why": msg("sla.why.already_assigned").as_dict()}
    if request.status not in TRANSITIONS[Action.ASSIGN].sources:
        why = msg("sla.why.not_reassignable", status=request.status).as_dict()
        return request, {**entry, "done": False, "why": why}
    try:
        with transaction.atomic():
            request = request_transition(
                actor=actor,
                request=request,
                action=Action.ASSIGN,
                technician=technician,
                organization=organization if technician is None else None,
                reason=msg("sla.reassign_reason", level=row.name),
                now=now,
            )
    except DomainError as exc:
        return request, {**entry, "done": False, "why": str(exc.message)}
    return request, {**entry, "done": True}


@dataclass
class _Claimed:
    clock: SlaClock
    row: EscalationLevel


def _claim_levels(ctx: _Context, wanted: list[tuple[SlaClock, EscalationLevel]]) -> list[_Claimed]:
    """Claim one level for each (clock, level): ``SET escalation_level = L, escalate_at =
    <the next level's time> WHERE escalation_level = <level read> AND state = 'breached'``,
    one UPDATE per group of clocks moving between the same levels. Only the rows it
    returns are acted on."""
    groups: dict[tuple[int, int], list[tuple[SlaClock, EscalationLevel]]] = defaultdict(list)
    for clock, row in wanted:
        groups[(clock.escalation_level, row.pk)].append((clock, row))
    claimed = []
    for (from_level, _row_pk), items in groups.items():
        row = items[0][1]
        # When to look again: the next level's delay after the breach (none: done) — set
        # by the claim itself.
        following = ctx.matrix.next_after(items[0][0].kind, row.level)
        won = set(
            _update_returning(
                [c.pk for c, _ in items],
                Q(escalation_level=from_level, state=ClockState.BREACHED),
                escalation_level=row.level,
                escalated_at=ctx.now,
                escalate_at=(F("escalation_anchor_at") + following.delay) if following else None,
            )
        )
        for clock, _row in items:
            if clock.pk in won:
                clock.escalation_level = row.level
                clock.escalate_at = (clock.escalation_anchor_at + following.delay) if following else None
                claimed.append(_Claimed(clock, row))
    return claimed


def _writes_request(row: EscalationLevel) -> bool:
    """Whether the level may change the request itself (priority, assignment)."""
    return bool(row.raise_priority_to or row.reassign_technician_id or row.reassign_organization_id)


def _escalate_level(
    ctx: _Context, clock: SlaClock, request: ServiceRequest, row: EscalationLevel
) -> tuple[ServiceRequest, list[Outgoing], dict, tuple[ServiceRequest, Message]]:
    """The actions of one claimed level. Priority and reassignment go through the tickets
    services (timeline + audit + on-commit signals, as for a person); the notifications,
    the log row and the timeline note are returned to be written in bulk (the note by
    ``tickets.services.request_notes_add``)."""
    ctx.pause()
    actor = row.act_as if row.act_as_id else ctx.system
    late = business_time_between(ctx.calendar(clock.calendar_id), clock.due_at, max(ctx.now, clock.due_at))
    actions: list[dict] = []
    request, done = _raise_priority(row, request, actor, ctx.now)
    if done:
        actions.append(done)
    request, done = _reassign(row, request, actor, ctx.now)
    if done:
        actions.append(done)
    people = _recipients(row, request, ctx)
    actions.insert(0, {"action": "notify", "people": len(people), "email": row.email})
    message = msg(
        "sla.escalation",
        number=request.number,
        level=row.level,
        name=row.name,
        target=clock.kind,
        late=late,
        due=clock.due_at,
        actions=[action_message(a) for a in actions],
    )
    drafts = _outgoing(row, people, message=message, request=request, url=ctx.request_url(request.pk))
    log = {
        "clock_id": clock.pk,
        "request_id": request.pk,
        "kind": clock.kind,
        "level": row.level,
        "level_name": row.name,
        "due_at": clock.due_at,
        "breach_by_seconds": max(0, int(late.total_seconds())),
        "actions": actions,
        "notified": len(people) if drafts else 0,
    }
    return request, drafts, log, (request, message)


def _escalate_batch(ctx: _Context, batch: int, after: tuple | None, result: SweepResult) -> tuple | None:
    with transaction.atomic():
        qs = SlaClock.objects.select_for_update(skip_locked=True).filter(escalate_at__lte=ctx.now).only(*LOADED)
        if after is not None:
            qs = qs.filter(Q(escalate_at__gt=after[0]) | Q(escalate_at=after[0], id__gt=after[1]))
        rows = list(qs.order_by("escalate_at", "id")[:batch])
        if not rows:
            return None
        cursor = (rows[-1].escalate_at, rows[-1].pk)
        requests = _lock_requests(ctx, {c.request_id for c in rows})
        live, idle = [], []
        for clock in rows:
            request = requests.get(clock.request_id)
            if request is None:
                result.busy += 1
            elif clock.state != ClockState.BREACHED or clock.met_at is not None or _stopped(clock, request):
                idle.append(clock.pk)
            else:
                if clock.escalation_anchor_at is None:  # set by the flip and the refresh; old rows
                    clock.escalation_anchor_at = clock.breached_at or clock.due_at
                    SlaClock.objects.filter(pk=clock.pk).update(escalation_anchor_at=clock.escalation_anchor_at)
                live.append(clock)
        if idle:
            SlaClock.objects.filter(pk__in=idle).update(escalate_at=None)
        _levels_act(ctx, live, requests, result)
    return cursor


def _levels_act(
    ctx: _Context,
    live: list[SlaClock],
    requests: dict[int, ServiceRequest],
    result: SweepResult,
    *,
    claimed: list[_Claimed] | None = None,
) -> None:
    """The due levels of these breached clocks (locked, as their requests): each claimed,
    acted on, and looked at again — a sweep after a long stop runs each missed level once,
    in order. ``claimed``: levels already claimed (by the flip), acted on first. Then the
    batch's notes, notifications and log rows are written."""
    drafts, logs, notes = [], [], []
    later: dict = defaultdict(list)
    whole: set[int] = set()  # requests loaded whole (a level changes them)
    while live or claimed:
        if claimed is None:
            wanted, waiting = [], []
            for clock in live:
                row = ctx.matrix.next_after(clock.kind, clock.escalation_level)
                if row is None:
                    if clock.escalate_at is not None:
                        later[None].append(clock.pk)
                elif clock.escalation_anchor_at + row.delay > ctx.now:
                    waiting.append((clock, row))
                else:
                    wanted.append((clock, row))
            for clock, row in waiting:
                if clock.escalate_at != clock.escalation_anchor_at + row.delay:
                    later[row.delay].append(clock.pk)
            claimed = _claim_levels(ctx, wanted)
        _reload_requests(
            requests,
            {i.clock.request_id for i in claimed if _writes_request(i.row) and i.clock.request_id not in whole},
        )
        whole.update(i.clock.request_id for i in claimed if _writes_request(i.row))
        for item in claimed:
            if _writes_request(item.row) and any(r.pk == item.clock.request_id for r, _m in notes):
                # A note of this request is waiting: written first, so the timeline
                # keeps the order in which the levels acted.
                request_notes_add(actor=ctx.system, notes=notes, now=ctx.now, touch=False)
                notes = []
            request, mine, log, note = _escalate_level(ctx, item.clock, requests[item.clock.request_id], item.row)
            requests[item.clock.request_id] = request  # the next clock of this request sees the changes
            drafts += mine
            logs.append(log)
            notes.append(note)
        live, claimed = [c.clock for c in claimed], None
    # Clocks only looked at: when to look again (None: nothing left to do).
    for delay, ids in later.items():
        SlaClock.objects.filter(pk__in=ids).update(
            escalate_at=(F("escalation_anchor_at") + delay) if delay is not None else None
        )
    request_notes_add(actor=ctx.system, notes=notes, now=ctx.now, touch=False)
    _write(ctx, drafts, logs, result)
    result.escalated += len(logs)


# --- the sweep ------------------------------------------------------------------------------


def sla_due_count(limit: int, *, now: dt.datetime | None = None) -> int:
    """The sweep's work due now: breaches to flip, warnings and escalation levels on the work
    lists (a clock past its warning and its deadline counts twice), counted up to ``limit``
    with three index probes of at most ``limit`` rows each. The periodic task asks it whether
    a backlog is worth more sweepers (``sla.tasks``)."""
    now = now or timezone.now()
    due = (
        SlaClock.objects.filter(state=ClockState.RUNNING, due_at__lte=now),
        SlaClock.objects.filter(warn_at__lte=now),
        SlaClock.objects.filter(escalate_at__lte=now),
    )
    total = 0
    for qs in due:
        if total >= limit:
            break
        total += qs.order_by()[: limit - total].count()
    return total


def sla_sweep(
    *, now: dt.datetime | None = None, batch: int = DEFAULT_BATCH, slow_ms: int = 0, matrix: Matrix | None = None
) -> SweepResult:
    """One sweep: flip breaches, send due warnings, act on due escalation levels.

    Safe to run in any number of processes at once and to kill at any point (see the
    module docstring). ``slow_ms`` sleeps that long per warning/level (tests only)."""
    now = now or timezone.now()
    result = SweepResult()
    language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        ctx = _Context(now, matrix or Matrix.load(), slow_ms=slow_ms)
        started = time.perf_counter()
        while True:
            flipped = _flip_batch(ctx, batch, result)
            result.flipped += flipped
            if flipped < batch:
                break
        result.seconds["flip"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor = None
        while True:
            cursor = _warn_batch(ctx, batch, cursor, result)
            if cursor is None:
                break
        result.seconds["warn"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor = None
        while True:
            cursor = _escalate_batch(ctx, batch, cursor, result)
            if cursor is None:
                break
        result.seconds["escalate"] = time.perf_counter() - started
    return result
