"""Fast multi-row inserts: see ``RowWriter``.

Rows written here bypass the model layer (no ``save()``, no signals, no field validation), so
the caller keeps the invariants itself: the demo's scale mode (``tickets.demo_bulk`` says how)
and the few services that write thousands of rows per transaction (the outbox's
``messages_send_bulk``, the SLA sweep's escalation log), each behind its app's service.
"""

from __future__ import annotations

import datetime
import json
import time

from django.db import connection, models
from django.db.models import Q
from django.db.models.expressions import RawSQL


def pk_in(model, ids) -> Q | RawSQL:
    """``Q(pk__in=ids)`` for a batch of hundreds of ids (a filter): on PostgreSQL ``pk =
    ANY(%s)`` with the ids as one array parameter — the same index scan as ``IN (…)``
    without one placeholder per id, which Django and psycopg's client-side binding spend
    milliseconds converting per statement (and one statement text whatever the count, so
    it is prepared once); elsewhere the ``IN`` list."""
    return ids_in(model, "pk", ids)


def ids_in(model, name: str, ids) -> Q | RawSQL:
    """:func:`pk_in` for another integer column of the model's own table (``request_id``); a
    path through a relation (``visit__request_id``) gets the ``IN`` list."""
    ids = list(ids)
    if connection.vendor == "postgresql" and "__" not in name:
        qn = connection.ops.quote_name
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        column = f"{qn(model._meta.db_table)}.{qn(field.column)}"
        # A quoted column name; the ids are a parameter.
        return RawSQL(f"{column} = ANY(%s::bigint[])", [ids], output_field=models.BooleanField())  # noqa: S611
    return Q(**{f"{name}__in": ids})


class JsonText(str):
    """A JSON column's value already serialized (``json.dumps``): written as it is. One
    message's parameters shared by thousands of rows are converted once."""

    __slots__ = ()


class RowWriter:
    """Fast multi-row inserts for one model: ids reserved up front, rows as dicts of
    attnames, values adapted once per column; COPY on PostgreSQL, executemany on SQLite.

    ``bulk_create`` spends most of its time preparing each value through the field API
    (measured: ~1,900 requests/s with everything else equal); this writes the same rows
    several times faster. Only the field types used by the demo tables are adapted.
    """

    def __init__(self, model, *, db_ids: bool = False, **fixed):
        """``fixed``: the value of a column for every row that does not set it; ``db_ids``:
        leave the primary key out, numbered by the database (rows whose ids nobody needs)."""
        self.model = model
        self.vendor = connection.vendor
        self.fields = [f for f in model._meta.concrete_fields if not (db_ids and f.primary_key)]
        self.table = connection.ops.quote_name(model._meta.db_table)
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.fixed = fixed
        self.adapt = [self._adapter(f) for f in self.fields]
        self.names = [f.attname for f in self.fields]

    def _adapter(self, field):
        ops = connection.ops
        if self.vendor == "postgresql":
            if isinstance(field, models.JSONField):
                from psycopg.types.json import Jsonb

                # COPY's text format: serialized JSON goes in as it is.
                return lambda value: value if isinstance(value, JsonText) else Jsonb(value)
            return None
        if isinstance(field, models.DateTimeField):
            # What ops.adapt_datetimefield_value does for aware values, without the checks.
            return lambda value: str(value.astimezone(datetime.UTC).replace(tzinfo=None))
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value
        if isinstance(field, models.JSONField):
            return lambda value: value if isinstance(value, JsonText) else json.dumps(value)
        return None

    def reserve_ids(self, count: int) -> list[int]:
        """Primary keys for ``count`` new rows (call inside the batch's transaction)."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [self.model._meta.db_table, count],
                )
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the write transaction (BEGIN IMMEDIATE) holds the lock; AUTOINCREMENT
            # moves past explicit ids by itself.
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")  # noqa: S608 - quoted table name
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))

    def write(self, rows: list[dict]) -> int:
        fixed, names, adapt = self.fixed, self.names, self.adapt
        values = []
        for row in rows:
            out = []
            for name, fn in zip(names, adapt, strict=True):
                value = row[name] if name in row else fixed[name]
                out.append(fn(value) if fn is not None and value is not None else value)
            values.append(out)
        if not values:
            return 0
        if self.vendor == "postgresql":
            statement = f"COPY {self.table} ({self.columns}) FROM STDIN"
            started = time.monotonic()
            connection.ensure_connection()
            with connection.connection.cursor() as raw, raw.copy(statement) as copy:
                for value in values:
                    copy.write_row(value)
            if connection.queries_logged:  # seen by query counts and the debug toolbar like any statement
                connection.queries_log.append(
                    {"sql": f"{statement} ({len(values)} rows)", "time": f"{time.monotonic() - started:.3f}"}
                )
        else:
            marks = ", ".join(["%s"] * len(names))
            with connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {self.table} ({self.columns}) VALUES ({marks})", values)  # noqa: S608
        return len(values)


def bulk_upsert(model, objs: list, *, unique_fields: list[str], update_fields: list[str]) -> None:
    """``model.objects.bulk_create(objs, update_conflicts=True, unique_fields=…, update_fields=…)``:
    insert the rows or, where a row with the same ``unique_fields`` exists, update its
    ``update_fields``; primary keys of the rows inserted are set on their objects.

    On PostgreSQL one statement whose text depends only on the model and the fields: each
    column is one array parameter, ``unnest``ed (``INSERT … SELECT * FROM unnest(…) ON CONFLICT
    … DO UPDATE``). Django's multi-row ``VALUES`` prepares every value through the field API and
    makes a new statement text for every row count: the SLA drain's clock upsert cost the worker
    ~0.35 ms of CPU per request that way. Values are taken as the objects hold them (what the
    model's defaults and the caller set): no ``pre_save`` (no ``auto_now`` fields here)."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields)
        return
    from psycopg.types.json import Jsonb

    meta, qn = model._meta, connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    unique = [meta.get_field(name) for name in unique_fields]
    updated = [meta.get_field(name) for name in update_fields]
    columns = ", ".join(qn(f.column) for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({columns}) SELECT * FROM unnest({arrays}) "  # noqa: S608 - quoted names
        f"ON CONFLICT ({', '.join(qn(f.column) for f in unique)}) DO UPDATE SET "
        + ", ".join(f"{qn(f.column)} = EXCLUDED.{qn(f.column)}" for f in updated)
        + f" RETURNING {qn(meta.pk.column)}, {', '.join(qn(f.column) for f in unique)}"
    )
    params = []
    for field in fields:
        values = [getattr(obj, field.attname) for obj in objs]
        if isinstance(field, models.JSONField):
            values = [None if v is None else Jsonb(v, dumps=_json_dumps(field)) for v in values]
        params.append(values)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = {tuple(row[1:]): row[0] for row in cursor.fetchall()}
    for obj in objs:
        obj.pk = ids[tuple(getattr(obj, f.attname) for f in unique)]
        obj._state.adding, obj._state.db = False, connection.alias


def _json_dumps(field):
    encoder = field.encoder
    return (lambda value: json.dumps(value, cls=encoder)) if encoder is not None else json.dumps


def insert_ignore(model, fields: tuple[str, ...], rows: list[tuple], *, chunk: int = 500) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` of ``rows`` (tuples of values ready for the database,
    in the order of ``fields``), ``chunk`` rows a statement: the marks of pending work, a set
    kept in a table (marking a subject twice leaves one row). Written as SQL: building
    ``bulk_create(ignore_conflicts=True)``'s statement cost a create ~0.1 ms of CPU per mark.
    Outside a transaction each statement commits on its own (no BEGIN … COMMIT around it)."""
    if not rows:
        return
    meta, qn = model._meta, connection.ops.quote_name
    table = qn(meta.db_table)
    columns = ", ".join(qn(meta.get_field(name).column) for name in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_sql] * len(part))} ON CONFLICT DO NOTHING",  # noqa: S608 - quoted names
                [value for row in part for value in row],
            )
