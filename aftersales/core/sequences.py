"""Human-friendly numbers from named counters, safe under concurrency.

On PostgreSQL each counter is a native SEQUENCE: ``nextval`` takes no row lock, so
concurrent creates never queue behind one another (a rolled-back transaction leaves a
gap, as numbering systems usually allow). A sequence created where the table already
counted continues from the table's value. On SQLite, which serialises writers anyway,
the counter is a row of ``core.Sequence`` bumped with an F() update.
"""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F

from .models import Sequence


def _pg_sequence(name: str) -> str:
    return "as_seq_" + hashlib.sha1(name.encode()).hexdigest()[:20]  # noqa: S324 - a name, not a secret


# Sequences this process has seen committed (per database): the app never drops one, so
# for these ``nextval`` runs without the savepoint that guards a first call (two round
# trips fewer per number). Added on commit only: a sequence created in a transaction that
# rolls back is gone again.
_KNOWN: set[tuple[str, str, str]] = set()


def _remember(known: tuple[str, str, str]) -> None:
    """After a real commit only: hooks run by hand inside a transaction (tests capturing
    on-commit callbacks, which then roll back) leave the sequence unknown."""
    if not connection.in_atomic_block:
        _KNOWN.add(known)


def _pg_values(name: str, count: int) -> list[int]:
    seq = _pg_sequence(name)
    known = (connection.alias, connection.settings_dict["NAME"], seq)
    with connection.cursor() as cursor:
        if known in _KNOWN:
            cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [seq, count])
            return [row[0] for row in cursor.fetchall()]
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [seq, count])
                    values = [row[0] for row in cursor.fetchall()]
                transaction.on_commit(lambda: _remember(known), using=connection.alias)
                return values
            except ProgrammingError:  # the sequence does not exist yet
                # Continue from the table counter, in case this database counted there before.
                start = (Sequence.objects.filter(name=name).values_list("value", flat=True).first() or 0) + 1
                try:
                    with transaction.atomic():
                        cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{seq}" START WITH {int(start)}')
                except IntegrityError:  # created concurrently by another transaction
                    pass
    raise RuntimeError(f"could not create the sequence for {name!r}")


def _table_values(name: str, count: int) -> list[int]:
    with transaction.atomic():
        updated = Sequence.objects.filter(name=name).update(value=F("value") + count)
        if not updated:
            try:
                with transaction.atomic():
                    Sequence.objects.create(name=name, value=count)
            except IntegrityError:
                Sequence.objects.filter(name=name).update(value=F("value") + count)
        last = Sequence.objects.get(name=name).value
    return list(range(last - count + 1, last + 1))


def sequence_reserve(name: str, count: int) -> list[int]:
    """``count`` new values of counter ``name`` (unique, increasing; 1-based)."""
    if count <= 0:
        return []
    if connection.vendor == "postgresql":
        return _pg_values(name, count)
    return _table_values(name, count)


def sequence_next(name: str) -> int:
    """The next value of counter ``name`` (1, 2, ...)."""
    return sequence_reserve(name, 1)[0]
