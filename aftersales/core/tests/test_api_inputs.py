"""Every input the API takes is bounded at the edge (issue 11, item 8).

A structural check over every operation of the API, so a new endpoint cannot forget it:
request bodies refuse unknown fields and anything but a JSON object; every integer has a
range (ids at most 64 bits); every date and moment is in 1900-2100; every decimal has its
digits; every string and list has a length cap. ``test_api_fuzz.py`` then throws random
input at the running API.
"""

from __future__ import annotations

import datetime
import enum
import types
import typing
from decimal import Decimal

import annotated_types
from ninja.files import UploadedFile
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from aftersales.api import api
from aftersales.core.schemas import _moment


def operations():
    """(method, path, operation) for every operation mounted on the API."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for op in path_view.operations:
                for method in op.methods:
                    yield method, f"/api{prefix}{path}", op


def _flatten(metadata) -> list:
    out = []
    for item in metadata:
        if isinstance(item, FieldInfo):
            out.extend(_flatten(item.metadata))
        else:
            out.append(item)
    return out


def _has(metadata, kind) -> bool:
    return any(isinstance(m, kind) for m in metadata)


def _problems(annotation, metadata, where: str, source: str, seen: set) -> list[str]:
    """What is unbounded in ``annotation`` (with its constraints ``metadata``).

    ``source`` is where the value comes from (body, query, path, form, header). Two things are
    bounded elsewhere: a ``{int:…}`` path segment (Django's converter takes digits only, and
    ``core.middleware.UrlIdRangeMiddleware`` answers 404 beyond 64 bits), and a
    repeated query parameter (the URL's length caps it)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        base, *extra = typing.get_args(annotation)
        return _problems(base, [*metadata, *_flatten(extra)], where, source, seen)
    if origin in (typing.Union, types.UnionType):
        problems = []
        for arg in typing.get_args(annotation):
            if arg is not type(None):
                problems += _problems(arg, metadata, where, source, seen)
        return problems
    if origin is typing.Literal:
        return []
    if origin in (list, set, tuple, dict):
        capped = source == "query" or _has(metadata, annotated_types.MaxLen)
        problems = [] if capped else [f"{where}: a {origin.__name__} with no max_length"]
        for i, arg in enumerate(typing.get_args(annotation)):
            if arg is not Ellipsis:
                problems += _problems(
                    arg, [], f"{where}[{'key' if origin is dict and i == 0 else 'item'}]", source, seen
                )
        return problems
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        problems = []
        if source == "body" and annotation.model_config.get("extra") != "forbid":
            problems.append(f"{where}: {annotation.__name__} does not forbid unknown fields (use InputSchema)")
        if annotation in seen:
            return problems
        seen.add(annotation)
        for name, field in annotation.model_fields.items():
            problems += _problems(field.annotation, _flatten(field.metadata), f"{where}.{name}", source, seen)
        return problems
    if annotation in (bool, type(None)) or annotation is UploadedFile:
        return []
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return []
    if annotation is int:
        ok = _has(metadata, annotated_types.Ge | annotated_types.Gt) and _has(
            metadata, annotated_types.Le | annotated_types.Lt
        )
        return [] if ok else [f"{where}: an int with no range (use Id, PageSize or Field(ge=, le=))"]
    if annotation is Decimal:
        ok = any(getattr(m, "max_digits", None) for m in metadata)
        return [] if ok else [f"{where}: a Decimal with no max_digits (use Money or Field(max_digits=))"]
    if annotation is datetime.datetime:
        ok = any(getattr(m, "func", None) is _moment for m in metadata)
        return [] if ok else [f"{where}: a datetime with no range (use Moment)"]
    if annotation is datetime.date:
        ok = _has(metadata, annotated_types.Ge) and _has(metadata, annotated_types.Le)
        return [] if ok else [f"{where}: a date with no range (use Day)"]
    if annotation is str:
        # Headers are checked where they are used (the Idempotency-Key in core.idempotency), and
        # path segments are looked up, never stored (``test_api_fuzz`` sends long and NUL ones).
        return (
            []
            if source in ("header", "path") or _has(metadata, annotated_types.MaxLen)
            else [f"{where}: a str with no max_length (use text(n))"]
        )
    return [f"{where}: an input of type {annotation!r} that this check does not know"]


def test_every_api_input_is_bounded():
    problems = []
    for method, path, op in operations():
        for model in op.models:
            source = model.__ninja_param_source__
            for name, field in model.model_fields.items():
                where = f"{method} {path} {source}:{name}"
                if source == "path" and f"{{int:{name}}}" in path:
                    continue
                problems += _problems(field.annotation, _flatten(field.metadata), where, source, set())
    assert not problems, "\n".join(problems)


def test_the_check_finds_what_it_is_for():
    """The check itself: an unbounded schema of each kind is reported."""

    class Loose(BaseModel):
        n: int
        d: datetime.date
        t: datetime.datetime
        x: Decimal
        s: str
        items: list[int]

    found = "\n".join(_problems(Loose, [], "body", "body", set()))
    for what in ("unknown fields", "an int", "a date", "a datetime", "a Decimal", "a str", "a list"):
        assert what in found, what
