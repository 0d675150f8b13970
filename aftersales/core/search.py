"""Prefix search that an ordinary index answers on every database.

PostgreSQL answers ``LIKE 'x%'`` from the varchar_pattern_ops index Django adds for an
indexed CharField. SQLite's LIKE is case-insensitive and cannot use a plain index, so
there a prefix is the range ``x <= value < x + U+10FFFF`` (SQLite compares text
byte-wise, in code-point order). Both are case-sensitive.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

_TOP = "\U0010ffff"


def prefix_condition(field: str, prefix: str) -> Q:
    if connection.vendor == "sqlite":
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + _TOP})
    return Q(**{f"{field}__startswith": prefix})
