"""Keeping the daily aggregates (``KpiDaily``) equal to the definitions, incrementally.

- ``kpi_mark(requests=…, complaints=…)``: called in the transaction that changes a row the
  measures read (receivers.py); lists the request or complaint as pending.
- ``kpi_refresh_pending()``: the worker's drain: computes the facts of the pending subjects
  again, from the same definitions and the same code as a full rebuild, and adds only the
  difference to the aggregates (``kpi_refresh``).
- ``kpi_months_settle()``: sums the monthly tables again for the months whose daily rows
  changed (``KpiMonthStale``) once they have ended (a periodic task).
- ``kpi_rebuild(start, end)``: recomputes facts and aggregates from the raw rows.
- ``kpi_check(start, end)``: recomputes from the raw rows without writing and lists every
  difference with the aggregates (``manage.py kpi_check`` exits 1 on any).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import FullResultSet
from django.db import connection, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from aftersales.core.bulk import RowWriter, ids_in, insert_ignore, pk_in
from aftersales.sla.models import SlaRefreshPending
from aftersales.tickets.models import ServiceRequest

from .definitions import DIMENSION_KEYS, KPIS, REPEAT_WINDOW, Kpi, Source, sources_by_complaint, sources_by_request
from .models import (
    CUBE_FIELDS,
    DIMENSION_FIELDS,
    KpiDaily,
    KpiDailyCube,
    KpiDailyDim,
    KpiFact,
    KpiMonthly,
    KpiMonthlyCube,
    KpiMonthStale,
    KpiPending,
)

logger = logging.getLogger(__name__)

# (day, kpi, region, category, channel, service_type, team, technician, agent, partner)
DailyKey = tuple
# (kpi, source, subject)
FactKey = tuple[str, int, int]


@dataclass(frozen=True)
class Fact:
    kpi: str
    source: int
    subject: int
    request: int | None
    complaint: int | None
    day: dt.date
    dims: tuple
    num: int
    den: int

    @property
    def key(self) -> FactKey:
        return (self.kpi, self.source, self.subject)

    @property
    def daily_key(self) -> DailyKey:
        return (self.day, self.kpi, *self.dims)

    def same(self, other: Fact) -> bool:
        return (self.day, self.dims, self.num, self.den) == (other.day, other.dims, other.num, other.den)


# --- computing facts ---------------------------------------------------------------------------------


def local_day(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date()


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in the local time zone."""
    tz = timezone.get_current_timezone()
    begin = timezone.make_aware(dt.datetime.combine(start, dt.time.min), tz)
    stop = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min), tz)
    return begin, stop


def source_rows(source: Source) -> QuerySet:
    """The source's rows annotated with ``_at`` (anchor) and the dimensions ``d_<key>``."""
    qs = source.rows().annotate(_at=source.anchor_expr())
    return qs.annotate(**{f"d_{k}": expr for k, expr in source.dims().items()})


def _request_filter(source: Source, ids) -> Q | RawSQL:
    return ids_in(source.model, source.request, ids)


# The value rows ``source_facts`` reads, per (measure, source): built once. Django spent ~70 ms
# building and resolving the ~24 querysets of a drain of one request (their annotations and
# subqueries) before running them; each use now filters a clone of the built query.
_FACT_ROWS: dict[tuple[str, int], QuerySet] = {}


def _fact_rows(kpi: Kpi, index: int, source: Source) -> QuerySet:
    key = (kpi.key, index)
    rows = _FACT_ROWS.get(key)
    if rows is not None:
        return rows
    qs = source_rows(source)
    fields = ["pk", "_at", *(f"d_{k}" for k in DIMENSION_KEYS)]
    if source.request is not None:
        fields.append("pk" if source.request == "pk" else source.request)
    if source.num is not None:
        qs = qs.annotate(_num=Case(When(source.num, then=Value(1)), default=Value(0), output_field=IntegerField()))
        fields.append("_num")
    elif source.num_seconds:
        fields += list(source.num_seconds)
    elif source.num_field:
        fields.append(source.num_field)
    if isinstance(source.den, str):
        fields.append(source.den)
    rows = _FACT_ROWS[key] = qs.values_list(*fields).order_by()
    return rows


def source_facts(kpi: Kpi, index: int, source: Source, where: Q, *, stream: bool = True) -> Iterator[Fact]:
    """The facts of the source's rows that match ``where`` (on the rows of ``source_rows``:
    fields, ``_at``, ``d_<key>``). ``stream``: read the rows in chunks (a server-side cursor on
    PostgreSQL: three round trips, worth it for a day range, not for the few rows of a
    refresh's ids)."""
    n_dims = len(DIMENSION_KEYS)
    rows = _fact_rows(kpi, index, source).filter(where)
    for row in rows.iterator(chunk_size=5000) if stream else rows:
        pk, at = row[0], row[1]
        if at is None:
            continue
        dims = tuple(row[2 : 2 + n_dims])
        rest = list(row[2 + n_dims :])
        request_id = rest.pop(0) if source.request is not None else None
        if source.num is not None:
            num = rest.pop(0)
        elif source.num_seconds:
            begin, stop = rest.pop(0), rest.pop(0)
            num = max(0, int((stop - begin).total_seconds())) if begin and stop else 0
        elif source.num_field:
            num = int(rest.pop(0) or 0)
        else:
            num = 0
        den = int(rest.pop(0) or 0) if isinstance(source.den, str) else source.den
        if not num and not den:
            continue
        yield Fact(
            kpi=kpi.key,
            source=index,
            subject=pk,
            request=request_id,
            complaint=None if source.request is not None else pk,
            day=local_day(at),
            dims=dims,
            num=num,
            den=den,
        )


class _EpochSeconds(Func):
    """Whole seconds of an interval (PostgreSQL): EXTRACT(EPOCH FROM …), rounded down."""

    template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = BigIntegerField()


def _facts_insert_sql(kpi: Kpi, index: int, source: Source) -> int:
    """Write every fact of one source with one ``INSERT … SELECT`` (PostgreSQL): the same
    numbers as ``source_facts`` computes row by row in Python — the local day of the anchor, a
    numerator of 1/0 (a condition), whole seconds ≥ 0 (two times, 0 when one is missing) or a
    field; rows with neither numerator nor denominator left out — without the rows leaving the
    database. Returns the number of facts written."""
    qs = source_rows(source).filter(_at__isnull=False)
    if source.num is not None:
        num = Case(When(source.num, then=Value(1)), default=Value(0), output_field=BigIntegerField())
    elif source.num_seconds:
        begin, stop = source.num_seconds
        seconds = _EpochSeconds(ExpressionWrapper(F(stop) - F(begin), output_field=DurationField()))
        num = Coalesce(Greatest(seconds, Value(0)), Value(0), output_field=BigIntegerField())
    elif source.num_field:
        num = Coalesce(F(source.num_field), Value(0), output_field=BigIntegerField())
    else:
        num = Value(0, output_field=BigIntegerField())
    if isinstance(source.den, str):
        den = Coalesce(F(source.den), Value(0), output_field=BigIntegerField())
    else:
        den = Value(source.den, output_field=BigIntegerField())
    request = None if source.request is None else F("pk" if source.request == "pk" else source.request)
    columns = {
        "kpi": Value(kpi.key, output_field=CharField()),
        "source": Value(index, output_field=IntegerField()),
        "subject": F("pk"),
        "request": request if request is not None else Value(None, output_field=BigIntegerField()),
        "complaint": F("pk") if request is None else Value(None, output_field=BigIntegerField()),
        "day": TruncDate("_at"),
        **{k: F(f"d_{k}") for k in DIMENSION_KEYS},
        "num": num,
        "den": den,
    }
    names = {c: f"f_{c}" for c in columns}
    qs = qs.annotate(**{names[c]: e for c, e in columns.items()}).exclude(**{names["num"]: 0, names["den"]: 0})
    qs = qs.values_list(*names.values()).order_by()
    sql, params = qs.query.sql_with_params()
    selected = list(qs.query.annotation_select)
    if selected != list(names.values()) or qs.query.values_select:
        raise RuntimeError(f"unexpected column order: {selected}")  # pragma: no cover - Django internals
    table = connection.ops.quote_name(KpiFact._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(KpiFact._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql}", params)  # noqa: S608 - compiled query, parameters
        return cursor.rowcount


def facts_for(*, requests: Iterable[int] = (), complaints: Iterable[int] = ()) -> dict[FactKey, Fact]:
    """Every fact of the given requests' rows (requests, their clocks, visits, follow-ups, surveys,
    inspections) and of the given complaints, computed from the raw rows."""
    out: dict[FactKey, Fact] = {}
    requests, complaints = sorted(set(requests)), sorted(set(complaints))
    for ids, sources, flt in (
        (requests, sources_by_request(), _request_filter),
        (complaints, sources_by_complaint(), lambda s, chunk: pk_in(s.model, chunk)),
    ):
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for kpi, index, source in sources:
                for fact in source_facts(kpi, index, source, flt(source, chunk), stream=False):
                    out[fact.key] = fact
    return out


def facts_in_days(start: dt.date | None, end: dt.date | None, kpis: Iterable[Kpi] = KPIS) -> Iterator[Fact]:
    """Every fact whose day is in [start, end] (None: unbounded), from the raw rows."""
    for kpi in kpis:
        for index, source in enumerate(kpi.sources):
            where = Q()
            if start or end:
                begin, stop = day_bounds(start or dt.date(1900, 1, 1), end or dt.date(2100, 12, 31))
                where = Q(_at__gte=begin, _at__lt=stop)
            yield from source_facts(kpi, index, source, where)


def _stored(qs) -> dict[FactKey, Fact]:
    out = {}
    for f in qs.iterator(chunk_size=2000):
        fact = Fact(
            kpi=f.kpi,
            source=f.source,
            subject=f.subject,
            request=f.request,
            complaint=f.complaint,
            day=f.day,
            dims=tuple(getattr(f, d) for d in DIMENSION_FIELDS),
            num=f.num,
            den=f.den,
        )
        out[fact.key] = fact
    return out


# --- applying differences ----------------------------------------------------------------------------


CUBE_INDEXES = [2 + DIMENSION_FIELDS.index(f) for f in CUBE_FIELDS]


def _cube_key(key: DailyKey) -> tuple:
    return (key[0], key[1], *(key[i] for i in CUBE_INDEXES))


def _daily_add(deltas: dict[DailyKey, list[int]]) -> None:
    """Add (num, den) to each day × measure × dimensions row (created when missing) of
    ``KpiDaily`` and, summed without the person dimensions, of ``KpiDailyCube``; rows that reach
    0/0 are removed. One upsert per row, in key order (no deadlock between workers)."""
    deltas = {k: v for k, v in deltas.items() if v[0] or v[1]}
    if not deltas:
        return
    cube: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for key, (n, d) in deltas.items():
        c = cube[_cube_key(key)]
        c[0] += n
        c[1] += d
    _months_mark({(key[1], month_first(key[0])) for key in deltas})
    _upsert(KpiDaily, DIMENSION_FIELDS, deltas)
    _upsert(KpiDailyCube, CUBE_FIELDS, {k: v for k, v in cube.items() if v[0] or v[1]})
    single = _single_dims(deltas)
    _upsert(KpiDailyDim, ("dim", "value"), {k: v for k, v in single.items() if v[0] or v[1]})


# --- months ---------------------------------------------------------------------------------------

# (daily table, its monthly sums, their dimensions)
MONTHLY = ((KpiDaily, KpiMonthly, DIMENSION_FIELDS), (KpiDailyCube, KpiMonthlyCube, CUBE_FIELDS))


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_last(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


def _months_mark(pairs: Iterable[tuple[str, dt.date]]) -> None:
    """List (measure, month) as stale. An upsert, not "do nothing": the listed rows stay locked
    until this transaction ends, so a settle that runs meanwhile waits and then sums what this
    transaction committed (with "do nothing" it could sum the month before this commit and
    unlist it after)."""
    rows = sorted(set(pairs))
    if not rows:
        return
    table = connection.ops.quote_name(KpiMonthStale._meta.db_table)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[start : start + UPSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {table} (kpi, month, marked_at) VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))} "  # noqa: S608 - fixed SQL, values are parameters
                "ON CONFLICT (kpi, month) DO UPDATE SET marked_at = excluded.marked_at",
                [v for kpi, month in chunk for v in (kpi, connection.ops.adapt_datefield_value(month), now)],
            )


def _month_sql(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(DATE_TRUNC('month', {column}) AS DATE)"
    return f"DATE({column}, 'start of month')"


def _months_build(
    *, kpis: Iterable[str] | None = None, first: dt.date | None = None, last: dt.date | None = None, delete: bool = True
) -> None:
    """Sum the monthly rows of the months from ``first`` to ``last`` (None: unbounded) of
    ``kpis`` (None: all) again from the daily rows, and unlist those months as stale."""
    q = connection.ops.quote_name
    where = Q()
    if kpis is not None:
        where &= Q(kpi__in=list(kpis))
    if first is not None:
        where &= Q(day__gte=month_first(first))
    if last is not None:
        where &= Q(day__lte=month_last(last))
    if delete:
        stale = Q(kpi__in=list(kpis)) if kpis is not None else Q()
        if first is not None:
            stale &= Q(month__gte=month_first(first))
        if last is not None:
            stale &= Q(month__lte=month_last(last))
        KpiMonthStale.objects.filter(stale).delete()
    for daily, monthly, fields in MONTHLY:
        if delete:
            monthly.objects.filter(where).delete()
        sql, params = _where_sql(where, daily)
        cols = ", ".join(q(c) for c in ["kpi", *fields])
        cursor_sql = (
            f"INSERT INTO {q(monthly._meta.db_table)} (day, {cols}, num, den) "  # noqa: S608 - fixed SQL
            f"SELECT {_month_sql(q('day'))}, {cols}, SUM(num), SUM(den) FROM {q(daily._meta.db_table)} "
            f"WHERE {sql} GROUP BY {', '.join(str(i) for i in range(1, len(fields) + 3))} "
            "HAVING SUM(num) <> 0 OR SUM(den) <> 0"
        )
        with connection.cursor() as cursor:
            cursor.execute(cursor_sql, params)


def kpi_months_settle(*, include_current: bool = False, limit: int = 1000) -> int:
    """Sum the stale months again from the daily rows, one (measure, month) a transaction, oldest
    first; the current month stays stale (its days change all day long, and a period that ends
    today reads them from the daily tables) unless ``include_current``. Returns how many."""
    stale = KpiMonthStale.objects.order_by("month", "kpi")
    if not include_current:
        stale = stale.filter(month__lt=month_first(timezone.localdate()))
    done = 0
    for kpi, month in list(stale.values_list("kpi", "month")[:limit]):
        # The mark's deletion comes first and waits for a refresh that holds it; the sum, a
        # statement later, then reads what that refresh committed.
        with transaction.atomic():
            _months_build(kpis=[kpi], first=month, last=month)
        done += 1
    return done


def _single_dims(sums: dict[DailyKey, list[int] | tuple]) -> dict[tuple, list[int]]:
    """(day, kpi, dim, value) sums: the total (dim "") and each single dimension."""
    out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for key, (n, d) in sums.items():
        day, kpi = key[0], key[1]
        for dim, value in (("", ""), *zip(DIMENSION_FIELDS, key[2:], strict=True)):
            o = out[(day, kpi, dim, str(value))]
            o[0] += n
            o[1] += d
    return out


UPSERT_ROWS = 500  # rows per statement (parameters stay under every database's limit)


def _upsert(model, fields, deltas: dict) -> None:
    """Add each delta to its row (created when missing): multi-row ``INSERT … ON CONFLICT DO
    UPDATE`` statements, keys sorted (no deadlock between workers), then the rows that reached 0/0
    removed (found through the partial index of such rows)."""
    if not deltas:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ["day", "kpi", *fields]
    col_sql = ", ".join(connection.ops.quote_name(c) for c in cols)
    row_sql = "(" + ", ".join(["%s"] * (len(cols) + 2)) + ")"
    rows = [(connection.ops.adapt_datefield_value(k[0]), *k[1:], v[0], v[1]) for k, v in sorted(deltas.items())]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[start : start + UPSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {table} ({col_sql}, num, den) VALUES {', '.join([row_sql] * len(chunk))} "  # noqa: S608 - fixed SQL, values are parameters
                f"ON CONFLICT ({col_sql}) DO UPDATE SET num = {table}.num + excluded.num, "
                f"den = {table}.den + excluded.den",
                [value for row in chunk for value in row],
            )
    days = {k[0] for k in deltas}
    model.objects.filter(day__in=days, num=0, den=0).delete()  # the partial index of 0/0 rows


def _fact_row(fact: Fact) -> dict:
    row = {
        "kpi": fact.kpi,
        "source": fact.source,
        "subject": fact.subject,
        "request": fact.request,
        "complaint": fact.complaint,
        "day": fact.day,
        "num": fact.num,
        "den": fact.den,
    }
    row.update(zip(DIMENSION_FIELDS, fact.dims, strict=True))
    return row


# From this many facts on, PostgreSQL gets them by COPY (a drain of a few hundred requests
# writes ~1,500: bulk_create's per-value preparation cost the worker ~0.1 ms per request).
FACTS_COPY_MIN = 100


def _facts_write(facts: list[Fact]) -> None:
    if not facts:
        return
    if connection.vendor == "postgresql" and len(facts) >= FACTS_COPY_MIN:
        writer = RowWriter(KpiFact, db_ids=True)
        for start in range(0, len(facts), 20000):
            writer.write([_fact_row(f) for f in facts[start : start + 20000]])
        return
    KpiFact.objects.bulk_create([KpiFact(**_fact_row(f)) for f in facts], batch_size=2000)


@transaction.atomic
def kpi_refresh(*, requests: Iterable[int] = (), complaints: Iterable[int] = ()) -> int:
    """Compute the facts of these requests and complaints again and apply the difference to the
    daily aggregates. Returns how many facts changed."""
    requests, complaints = sorted(set(requests)), sorted(set(complaints))
    if not requests and not complaints:
        return 0
    new = facts_for(requests=requests, complaints=complaints)
    old_qs = KpiFact.objects.filter(
        Q(ids_in(KpiFact, "request", requests)) | Q(ids_in(KpiFact, "complaint", complaints))
    ).select_for_update()
    old = _stored(old_qs)
    deltas: dict[DailyKey, list[int]] = defaultdict(lambda: [0, 0])
    gone, added = [], []
    for key, fact in old.items():
        other = new.get(key)
        if other is not None and other.same(fact) and other.request == fact.request:
            continue
        d = deltas[fact.daily_key]
        d[0] -= fact.num
        d[1] -= fact.den
        gone.append(key)
    for key, fact in new.items():
        was = old.get(key)
        if was is not None and was.same(fact) and was.request == fact.request:
            continue
        d = deltas[fact.daily_key]
        d[0] += fact.num
        d[1] += fact.den
        added.append(fact)
    # A fact keyed like a new one but stored under another request (never in practice) is replaced too.
    stray = [f.key for f in added if f.key not in old]
    if stray:
        _stored_elsewhere = _stored(_keys_filter(stray))
        for key, fact in _stored_elsewhere.items():
            d = deltas[fact.daily_key]
            d[0] -= fact.num
            d[1] -= fact.den
            gone.append(key)
    if gone:
        KpiFact.objects.filter(_keys_q(gone)).delete()
    _facts_write(added)
    _daily_add(deltas)
    return len(gone) + len(added)


def _keys_q(keys: Iterable[FactKey]) -> Q:
    by: dict[tuple[str, int], list[int]] = defaultdict(list)
    for kpi, source, subject in keys:
        by[(kpi, source)].append(subject)
    q = Q(pk__in=[])
    for (kpi, source), subjects in by.items():
        q |= Q(kpi=kpi, source=source, subject__in=subjects)
    return q


def _keys_filter(keys: list[FactKey]):
    return KpiFact.objects.filter(_keys_q(keys))


# --- pending work ---------------------------------------------------------------------------------


def kpi_mark(*, requests: Iterable[int] = (), complaints: Iterable[int] = ()) -> None:
    """List requests / complaints whose facts must be computed again: inside a transaction, the
    mark commits with it; outside one (the receivers' on-commit flush), it is one statement on
    its own — no BEGIN and COMMIT around it, which a create paid as two more round trips."""
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [(KpiPending.Kind.REQUEST, pk, at) for pk in sorted({pk for pk in requests if pk})]
    rows += [(KpiPending.Kind.COMPLAINT, pk, at) for pk in sorted({pk for pk in complaints if pk})]
    insert_ignore(KpiPending, ("kind", "subject", "marked_at"), rows, chunk=MARK_CHUNK)


MARK_CHUNK = 500  # rows per INSERT (three parameters each)


REFRESH_CHUNK = 200


def repeat_repairs_affected(units) -> list[int]:
    """The requests whose "repeat repair within 30 days" (``repeat_repair_30d``) a request on a
    unit, filed at a time, can change: the unit's requests completed in the 30 days before that
    time (an earlier repair counts as repeated when another is filed within 30 days of its
    completion). ``units``: a few (unit id, filed at) pairs (a deleted request's)."""
    window = Q(pk__in=[])
    for unit_id, filed in units:
        if unit_id and filed:
            window |= Q(unit_id=unit_id, completed_at__gte=filed - REPEAT_WINDOW, completed_at__lt=filed)
    return list(ServiceRequest.objects.filter(window).order_by().values_list("pk", flat=True)[:1000])


def _with_repeat_repairs(requests: list[int]) -> list[int]:
    """``requests`` and the earlier requests on their units whose repeat-repair measure they can
    change (as ``repeat_repairs_affected``, for a drain's chunk in one query; at most 1,000: what
    a lost mark leaves behind, ``kpi_check`` finds)."""
    if not requests:
        return requests
    filed_after = ServiceRequest.objects.filter(
        pk__in=requests,
        unit_id=OuterRef("unit_id"),
        created_at__gt=OuterRef("completed_at"),
        created_at__lte=ExpressionWrapper(OuterRef("completed_at") + REPEAT_WINDOW, output_field=DateTimeField()),
    )
    units = ServiceRequest.objects.filter(pk__in=requests, unit_id__isnull=False).values("unit_id")
    earlier = ServiceRequest.objects.filter(unit_id__in=units, completed_at__isnull=False).filter(Exists(filed_after))
    return sorted(set(requests) | set(earlier.order_by().values_list("pk", flat=True)[:1000]))


# A request whose SLA clocks the worker is about to recompute waits for them: the SLA drain
# marks it again once its clocks are written (``sla.signals.clocks_changed``, sent for every
# request it recomputes). Refreshed before as well, a new request cost two refreshes (1.6 per
# create under load). A mark older than this is not waited for: a stopped SLA worker never
# holds the measures back for long.
CLOCKS_SETTLE = dt.timedelta(seconds=60)


def _clocks_settling():
    return SlaRefreshPending.objects.filter(marked_at__gt=timezone.now() - CLOCKS_SETTLE).values("request_id")


def kpi_refresh_pending(*, limit: int = 10_000) -> int:
    """Drain ``KpiPending`` (oldest first), a chunk per transaction, leaving the requests whose
    SLA clocks are being recomputed for the drain that follows them. Returns how many were done."""
    done = 0
    while done < limit:
        with transaction.atomic():
            rows = list(
                KpiPending.objects.select_for_update(skip_locked=True)
                .exclude(kind=KpiPending.Kind.REQUEST, subject__in=_clocks_settling())
                .order_by("marked_at")
                .values_list("kind", "subject")[:REFRESH_CHUNK]
            )
            if not rows:
                break
            requests = [s for k, s in rows if k == KpiPending.Kind.REQUEST]
            complaints = [s for k, s in rows if k == KpiPending.Kind.COMPLAINT]
            # Unmark first: a change committed after this point marks the subject again.
            for kind, ids in ((KpiPending.Kind.REQUEST, requests), (KpiPending.Kind.COMPLAINT, complaints)):
                if ids:
                    KpiPending.objects.filter(ids_in(KpiPending, "subject", ids), kind=kind).delete()
            kpi_refresh(requests=_with_repeat_repairs(requests), complaints=complaints)
        done += len(rows)
        if len(rows) < REFRESH_CHUNK:
            break  # what came in meanwhile waits for the drain its change queued (a batch, not a trickle)
    return done


# --- full recomputation ---------------------------------------------------------------------------


@dataclass
class RebuildResult:
    facts: int = 0
    daily_rows: int = 0
    seconds: float = 0.0


AGGREGATES = (KpiDaily, KpiDailyCube, KpiDailyDim, KpiMonthly, KpiMonthlyCube)


@contextmanager
def _bulk_load(full: bool):
    """For a full rebuild on PostgreSQL: empty the aggregate tables with TRUNCATE and build each
    one's unique key once after the rows are in (maintaining it row by row made the inserts five
    to ten times slower). Otherwise: nothing (rows are deleted and inserted as usual)."""
    if not (full and connection.vendor == "postgresql"):
        yield
        return
    keys = [(model, constraint) for model in AGGREGATES for constraint in model._meta.constraints]
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE " + ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (*AGGREGATES, KpiMonthStale))
        )
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    with connection.schema_editor(atomic=False) as editor:
        for model, constraint in keys:
            editor.remove_constraint(model, constraint)
    yield
    with connection.schema_editor(atomic=False) as editor:
        for model, constraint in keys:
            editor.add_constraint(model, constraint)


def _daily_from_facts(days_q: Q, *, full: bool = False) -> int:
    """Rebuild the aggregate rows of the days selected by ``days_q`` (``full``: every day):
    ``KpiDaily`` from ``KpiFact``, then the smaller tables (without people, single dimensions)
    from ``KpiDaily`` (the same sums, far fewer rows to read), and for ``full`` the monthly
    tables (else the caller sums the months it touched). Returns the ``KpiDaily`` rows written.
    Call inside a transaction."""
    with _bulk_load(full):
        bulk = full and connection.vendor == "postgresql"
        written = _daily_insert(days_q, delete=not bulk)
        if full:
            _months_build(delete=not bulk)
        return written


def _daily_insert(days_q: Q, *, delete: bool) -> int:
    q = connection.ops.quote_name
    fact, daily = q(KpiFact._meta.db_table), q(KpiDaily._meta.db_table)
    where, params = _where_sql(days_q)
    where_daily, params_daily = _where_sql(days_q, KpiDaily)
    if delete:
        for model in (KpiDaily, KpiDailyCube, KpiDailyDim):
            model.objects.filter(days_q).delete()
    having = "HAVING SUM(num) <> 0 OR SUM(den) <> 0"
    with connection.cursor() as cursor:
        cols = ", ".join(q(c) for c in ["day", "kpi", *DIMENSION_FIELDS])
        cursor.execute(
            f"INSERT INTO {daily} ({cols}, num, den) "  # noqa: S608 - fixed SQL, values are parameters
            f"SELECT {cols}, SUM(num), SUM(den) FROM {fact} WHERE {where} GROUP BY {cols} {having}",
            params,
        )
        written = cursor.rowcount
        cols = ", ".join(q(c) for c in ["day", "kpi", *CUBE_FIELDS])
        cursor.execute(
            f"INSERT INTO {q(KpiDailyCube._meta.db_table)} ({cols}, num, den) "  # noqa: S608 - fixed SQL
            f"SELECT {cols}, SUM(num), SUM(den) FROM {daily} WHERE {where_daily} GROUP BY {cols} {having}",
            params_daily,
        )
        table = q(KpiDailyDim._meta.db_table)
        for dim in ("", *DIMENSION_FIELDS):
            value = f"CAST({q(dim)} AS VARCHAR(32))" if dim else "''"
            group = f", {q(dim)}" if dim else ""
            cursor.execute(
                f"INSERT INTO {table} (day, kpi, dim, value, num, den) "  # noqa: S608 - fixed SQL
                f"SELECT day, kpi, %s, {value}, SUM(num), SUM(den) FROM {daily} WHERE {where_daily} "
                f"GROUP BY day, kpi{group} {having}",
                [dim, *params_daily],
            )
    return written


def kpi_aggregates_from_facts() -> int:
    """The aggregate tables again from the stored facts (no raw row read)."""
    with transaction.atomic():
        return _daily_from_facts(Q(), full=True)


def _where_sql(q: Q, model=KpiFact) -> tuple[str, list]:
    qs = model.objects.filter(q)
    compiler = qs.query.get_compiler(connection=connection)
    try:
        where, params = compiler.compile(qs.query.where)
    except FullResultSet:
        return "1=1", []
    return where or "1=1", list(params)


REBUILD_CHUNK = 100_000


def kpi_rebuild(*, start: dt.date | None = None, end: dt.date | None = None, progress=None) -> RebuildResult:
    """Recompute facts and daily aggregates of the days [start, end] (None: every day) from the
    raw rows, and forget the pending marks they cover (a full rebuild forgets them all)."""
    import time

    began = time.perf_counter()
    result = RebuildResult()
    tick = progress or (lambda kpi, n: None)
    with transaction.atomic():
        full = start is None and end is None
        if full:
            if connection.vendor == "postgresql":  # no dead rows left for the insert to step over
                with connection.cursor() as cursor:
                    cursor.execute(f"TRUNCATE {connection.ops.quote_name(KpiFact._meta.db_table)}")
            else:
                KpiFact.objects.all().delete()
            KpiPending.objects.all().delete()
            days_q = Q()
            extra_days: set[dt.date] = set()
            for kpi in KPIS:
                if connection.vendor == "postgresql":
                    # In the database: a measure's facts never leave it (see _facts_insert_sql).
                    written = sum(_facts_insert_sql(kpi, i, source) for i, source in enumerate(kpi.sources))
                    result.facts += written
                    tick(kpi, written)
                    continue
                # Streamed in chunks: a measure of ten million rows never sits in memory at once.
                written = 0
                chunk: list[Fact] = []
                for fact in facts_in_days(None, None, [kpi]):
                    chunk.append(fact)
                    if len(chunk) == REBUILD_CHUNK:
                        _facts_write(chunk)
                        written += len(chunk)
                        chunk = []
                _facts_write(chunk)
                written += len(chunk)
                result.facts += written
                tick(kpi, written)
        else:
            lo, hi = start or dt.date(1900, 1, 1), end or dt.date(2100, 12, 31)
            days_q = Q(day__gte=lo, day__lte=hi)
            extra_days = set()
            for kpi in KPIS:
                facts = list(facts_in_days(lo, hi, [kpi]))
                keys = [f.key for f in facts]
                for i in range(0, len(keys), 2000):
                    displaced = KpiFact.objects.filter(_keys_q(keys[i : i + 2000])).exclude(days_q)
                    extra_days.update(displaced.values_list("day", flat=True))
                    displaced.delete()
                KpiFact.objects.filter(days_q, kpi=kpi.key).delete()
                _facts_write(facts)
                result.facts += len(facts)
                tick(kpi, len(facts))
        result.daily_rows = _daily_from_facts(days_q, full=full)
        if extra_days:
            result.daily_rows += _daily_from_facts(Q(day__in=sorted(extra_days)))
        if not full:
            _months_build(first=lo, last=hi)
            for month in sorted({month_first(d) for d in extra_days}):
                _months_build(first=month, last=month)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (KpiFact, *AGGREGATES):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    result.seconds = time.perf_counter() - began
    return result


# --- checking -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    key: DailyKey
    expected: tuple[int, int]
    stored: tuple[int, int]

    def __str__(self):
        day, kpi, *dims = self.key
        shown = ", ".join(f"{k}={v}" for k, v in zip(DIMENSION_FIELDS, dims, strict=True) if v not in (0, ""))
        return (
            f"{day} {kpi} [{shown or '-'}]: raw rows give {self.expected[0]}/{self.expected[1]}, "
            f"aggregates hold {self.stored[0]}/{self.stored[1]}"
        )


def _months(start: dt.date, end: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    day = start
    while day <= end:
        nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        yield day, min(end, nxt - dt.timedelta(days=1))
        day = nxt


def kpi_check(*, start: dt.date | None = None, end: dt.date | None = None, kpis: Iterable[Kpi] = KPIS) -> list:
    """Recompute every daily figure of [start, end] from the raw rows and compare with
    ``KpiDaily``; returns the differences (empty: the aggregates are right). Month by month."""
    kpis = list(kpis)
    if start is None or end is None:
        bounds = KpiDaily.objects.order_by("day").values_list("day", flat=True)
        first, last = bounds.first(), bounds.reverse().first()
        today = timezone.localdate()
        start = start or min(filter(None, [first, today - dt.timedelta(days=366)]))
        end = end or max(filter(None, [last, today]))
    out: list[Difference] = []
    for lo, hi in _months(start, end):
        for kpi in kpis:
            expected: dict[DailyKey, list[int]] = defaultdict(lambda: [0, 0])
            for fact in facts_in_days(lo, hi, [kpi]):
                e = expected[fact.daily_key]
                e[0] += fact.num
                e[1] += fact.den
            stored = {
                (r[0], r[1], *r[2:-2]): (r[-2], r[-1])
                for r in KpiDaily.objects.filter(kpi=kpi.key, day__gte=lo, day__lte=hi).values_list(
                    "day", "kpi", *DIMENSION_FIELDS, "num", "den"
                )
            }
            for key in sorted(set(expected) | set(stored), key=str):
                want = tuple(expected.get(key, (0, 0)))
                have = stored.get(key, (0, 0))
                if want != have:
                    out.append(Difference(key, want, have))
            cube_expected: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
            for key, (n, d) in expected.items():
                c = cube_expected[_cube_key(key)]
                c[0] += n
                c[1] += d
            cube_stored = {
                (r[0], r[1], *r[2:-2]): (r[-2], r[-1])
                for r in KpiDailyCube.objects.filter(kpi=kpi.key, day__gte=lo, day__lte=hi).values_list(
                    "day", "kpi", *CUBE_FIELDS, "num", "den"
                )
            }
            for key in sorted(set(cube_expected) | set(cube_stored), key=str):
                want = tuple(cube_expected.get(key, (0, 0)))
                have = cube_stored.get(key, (0, 0))
                if want != have:
                    out.append(CubeDifference(key, want, have))
            single_expected = _single_dims(expected)
            single_stored = {
                (r[0], r[1], r[2], r[3]): (r[4], r[5])
                for r in KpiDailyDim.objects.filter(kpi=kpi.key, day__gte=lo, day__lte=hi).values_list(
                    "day", "kpi", "dim", "value", "num", "den"
                )
            }
            for key in sorted(set(single_expected) | set(single_stored), key=str):
                want = tuple(single_expected.get(key, (0, 0)))
                have = single_stored.get(key, (0, 0))
                if want != have:
                    out.append(SingleDifference(key, want, have))
            if (lo, hi) == (month_first(lo), month_last(lo)):
                out += _month_differences(kpi, lo, expected, cube_expected)
    return out


def _month_differences(kpi: Kpi, month: dt.date, expected: dict, cube_expected: dict) -> list:
    """The monthly rows of a settled month against the month's sums of the raw rows."""
    if KpiMonthStale.objects.filter(kpi=kpi.key, month=month).exists():
        return []  # read from the daily tables until settled
    out = []
    for (_daily, monthly, fields), sums in zip(MONTHLY, (expected, cube_expected), strict=True):
        want_by: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for key, (n, d) in sums.items():
            w = want_by[(month, *key[1:])]
            w[0] += n
            w[1] += d
        stored = {
            (r[0], r[1], *r[2:-2]): (r[-2], r[-1])
            for r in monthly.objects.filter(kpi=kpi.key, day=month).values_list("day", "kpi", *fields, "num", "den")
        }
        for key in sorted(set(want_by) | set(stored), key=str):
            want = tuple(want_by.get(key, (0, 0)))
            have = stored.get(key, (0, 0))
            if want != have:
                out.append(MonthDifference(key, want, have, fields))
    return out


@dataclass(frozen=True)
class SingleDifference(Difference):
    def __str__(self):
        day, kpi, dim, value = self.key
        return (
            f"{day} {kpi} [{f'{dim}={value}' if dim else 'total'}]: raw rows give "
            f"{self.expected[0]}/{self.expected[1]}, aggregates hold {self.stored[0]}/{self.stored[1]}"
        )


@dataclass(frozen=True)
class CubeDifference(Difference):
    def __str__(self):
        day, kpi, *dims = self.key
        shown = ", ".join(f"{k}={v}" for k, v in zip(CUBE_FIELDS, dims, strict=True) if v not in (0, ""))
        return (
            f"{day} {kpi} [{shown or '-'}] (without people): raw rows give {self.expected[0]}/{self.expected[1]}, "
            f"aggregates hold {self.stored[0]}/{self.stored[1]}"
        )


@dataclass(frozen=True)
class MonthDifference(Difference):
    fields: tuple = DIMENSION_FIELDS

    def __str__(self):
        month, kpi, *dims = self.key
        shown = ", ".join(f"{k}={v}" for k, v in zip(self.fields, dims, strict=True) if v not in (0, ""))
        return (
            f"{month:%Y-%m} {kpi} [{shown or '-'}] (month): raw rows give {self.expected[0]}/{self.expected[1]}, "
            f"aggregates hold {self.stored[0]}/{self.stored[1]}"
        )
