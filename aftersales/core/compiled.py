"""Lookups whose SQL is compiled once per thread and database (issue 12).

Turning a queryset into SQL costs Django more than a prepared primary-key lookup costs
PostgreSQL: a bearer token with its user, or a request with its customer, product and region,
took 0.3–0.5 ms of the web worker's CPU to compile against a few hundredths of a millisecond
to run. A ``CompiledLookup`` builds its queryset once, with marker values in place of the
values it is called with, keeps the SQL, the compiler's column map and converters, and the
positions of the markers among the parameters; each call then only substitutes the values,
runs the SQL and builds the model instances (with their ``select_related`` objects) as the
ORM does.

For querysets whose SQL depends only on their shape: equality lookups of non-null scalar
values (a primary key, a unique digest or number, a request's id for its rows), constant
``IN`` lists and annotations allowed, nothing read from the request, the user or the time. Scoping is the caller's: read the row unscoped, then answer
with a ``Scope.allows`` check in memory (as ``tickets.selectors.request_get_for`` does).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, QuerySet
from django.db.models.query import FlatValuesListIterable, ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery

# Values no caller passes: they mark where the call's values go among the parameters.
_INT_MARKERS = (-7_340_183_917, -7_340_183_918, -7_340_183_919)
_STR_MARKERS = ("\u2983compiled-lookup-0\u2984", "\u2983compiled-lookup-1\u2984", "\u2983compiled-lookup-2\u2984")


@dataclass
class _Compiled:
    shape: str  # "model" instances, "tuple" rows (values_list) or "flat" values (values_list(flat=True))
    connection: Any
    sql: str
    params: list
    slots: list[int]
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    converters: dict
    compiler: Any
    populators: list
    annotations: dict


class CompiledLookup:
    """``CompiledLookup(build, kinds)``: ``build(*markers)`` returns the queryset; ``kinds`` says
    for each value whether it is an ``int`` or a ``str`` (the marker's type). ``rows(*values)``
    returns the model instances (or the tuples or values of a ``values_list`` queryset),
    ``first(*values)`` the first or None."""

    def __init__(self, build: Callable[..., QuerySet], kinds: tuple[type, ...] = (int,)):
        if any(kind not in (int, str) for kind in kinds) or len(kinds) > len(_INT_MARKERS):
            raise ValueError("CompiledLookup takes up to three int or str values")
        self._build = build
        self._kinds = kinds
        self._local = threading.local()

    def _markers(self) -> list:
        return [(_INT_MARKERS if kind is int else _STR_MARKERS)[i] for i, kind in enumerate(self._kinds)]

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        markers = self._markers()
        queryset = self._build(*markers)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        params = list(params)
        slots = []
        for marker in markers:
            found = [i for i, p in enumerate(params) if p == marker]
            if len(found) != 1:
                raise ValueError(f"a value of a compiled lookup must appear once among its parameters: {params}")
            slots.append(found[0])
        select, klass_info = compiler.select, compiler.klass_info
        shapes = {ModelIterable: "model", ValuesListIterable: "tuple", FlatValuesListIterable: "flat"}
        shape = shapes.get(queryset._iterable_class)
        if shape is None or (shape == "model" and klass_info is None):
            raise ValueError("a compiled lookup reads model rows or values_list rows")
        if shape != "model" and (queryset.query.annotation_select or queryset.query.extra_select):
            raise ValueError("a compiled values_list lookup reads fields only (the ORM reorders annotations)")
        model_rows = shape == "model"
        fields = klass_info["select_fields"] if model_rows else [0]
        start, end = fields[0], fields[-1] + 1
        compiled = _Compiled(
            shape=shape,
            connection=connection,
            sql=sql,
            params=params,
            slots=slots,
            model=queryset.model,
            init_list=[f[0].target.attname for f in select[start:end]] if model_rows else [],
            start=start,
            end=end,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            compiler=compiler,
            populators=get_related_populators(klass_info, select, alias) if model_rows else [],
            annotations=dict(compiler.annotation_col_map or {}) if model_rows else {},
        )
        setattr(self._local, alias, compiled)
        return compiled

    def rows(self, *values, known: dict[str, Model] | None = None, using: str = DEFAULT_DB_ALIAS) -> list:
        """The rows; ``known``: foreign keys whose object the caller holds (``{"request": sr}``: each
        row's ``request`` is ``sr``, as a related manager's rows are), set without a query."""
        if len(values) != len(self._kinds) or any(
            not isinstance(v, kind) or isinstance(v, bool) for v, kind in zip(values, self._kinds, strict=True)
        ):
            raise TypeError(f"a compiled lookup takes {[k.__name__ for k in self._kinds]}, not {values!r}")
        compiled = getattr(self._local, using, None)
        # A thread's connection object is replaced when it is closed and opened again: the
        # compiler (and its converters) belong to the one it was made with.
        if compiled is None or compiled.connection is not connections[using]:
            compiled = self._compile(using)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, values, strict=True):
            params[slot] = value
        with compiled.connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        if compiled.converters:
            fetched = list(map(list, compiled.compiler.apply_converters(fetched, compiled.converters)))
        if compiled.shape != "model":
            width = compiled.compiler.col_count
            return [row[0] if compiled.shape == "flat" else tuple(row[:width]) for row in fetched]
        out = []
        for row in fetched:
            obj = compiled.model.from_db(using, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations.items():
                setattr(obj, name, row[position])
            out.append(obj)
        for name, related in (known or {}).items():
            field = compiled.model._meta.get_field(name)
            for obj in out:
                if getattr(obj, field.attname) == related.pk:
                    field.set_cached_value(obj, related)
        return out

    def first(self, *values, known: dict[str, Model] | None = None, using: str = DEFAULT_DB_ALIAS):
        found = self.rows(*values, known=known, using=using)
        return found[0] if found else None


# --- inserts ---------------------------------------------------------------------------


@dataclass
class _Insert:
    connection: Any
    sql: str
    fields: list
    returning: bool  # the statement answers with the new primary key (RETURNING)


_INSERTS = threading.local()


def _insert_plan(obj: Model, using: str) -> _Insert | None:
    """The model's INSERT statement, compiled once per thread and connection by Django's own
    compiler; None for what this path does not cover (then the caller saves the usual way)."""
    model = type(obj)
    connection = connections[using]
    plans = getattr(_INSERTS, using, None)
    if plans is None or plans[0] is not connection:
        plans = (connection, {})
        setattr(_INSERTS, using, plans)
    if model in plans[1]:
        return plans[1][model]
    meta = model._meta
    if any(hasattr(value, "resolve_expression") for value in obj.__dict__.values()):
        return None  # compiled from this object, the statement would hold its expression's SQL
    plan = None
    if not (meta.parents or meta.proxy or meta.order_with_respect_to) and meta.auto_field is meta.pk:
        fields = [f for f in meta.local_concrete_fields if f is not meta.pk and not f.generated]
        returning = [f for f in meta.db_returning_fields if f is not meta.pk]
        if not returning and not any(hasattr(f, "get_placeholder") for f in fields):
            query = InsertQuery(model)
            query.insert_values(fields, [obj])
            compiler = query.get_compiler(using=using)
            can_return = connection.features.can_return_columns_from_insert
            compiler.returning_fields = [meta.pk] if can_return else None
            ((sql, _params),) = compiler.as_sql()
            plan = _Insert(connection=connection, sql=sql, fields=fields, returning=can_return)
    plans[1][model] = plan
    return plan


def insert_one(obj: Model, *, using: str = DEFAULT_DB_ALIAS) -> Model:
    """``obj.save(force_insert=True)`` for a new row of a plain model (an automatic primary key,
    no parents): the same signals, ``pre_save`` values and prepared parameters, with the INSERT's
    SQL compiled once per thread and connection instead of on every save (the ORM's compiler and
    ``save_base`` cost a create ~0.08 ms of CPU per row). A value that is an expression, or a
    model this path does not cover, takes ``save()``."""
    plan = _insert_plan(obj, using) if obj._state.adding and obj.pk is None else None
    if plan is None:
        obj.save(force_insert=True, using=using)
        return obj
    model, connection = type(obj), plan.connection
    obj._prepare_related_fields_for_save(operation_name="save")
    pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    values = [field.pre_save(obj, True) for field in plan.fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        obj.save(force_insert=True, using=using)
        return obj
    params = [field.get_db_prep_save(value, connection) for field, value in zip(plan.fields, values, strict=True)]
    with transaction.mark_for_rollback_on_error(using=using), connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if plan.returning:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, model._meta.db_table, model._meta.pk.column)
    obj.pk = pk
    obj._state.db, obj._state.adding = using, False
    post_save.send(sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using)
    return obj
