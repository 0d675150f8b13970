"""Words of a problem description, searchable from an index on every database.

Chinese has no spaces, so a description is cut into overlapping character bigrams
("热水器底部漏水" → 热水 水器 器底 底部 部漏 漏水), and runs of Latin letters and digits
into lower-cased tokens ("显示E4故障" → 显示, e4, 故障). The distinct
terms of each request are rows of ``RequestSearchTerm`` keyed (term, status, request),
so a term among the statuses filtered on is a few index ranges on PostgreSQL and SQLite
alike, with no extension.

A query is cut the same way: one of its terms is read from the index, and each of its
words is then looked for in the text, which removes the false positives of bigrams
(热水 and 水器 both present but never 热水器). A single Chinese character or a single letter has no
term: such a query searches numbers, phones and names only.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import Q, Value
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import GreaterThan

# CJK ideographs (with extension A and compatibility), kana and hangul: written without spaces.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUNS = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")
TERM_MAX = 32  # characters of one stored term (longer tokens are cut)
TERMS_PER_REQUEST = 200  # distinct terms kept per description
TERM_ID_LIST_MAX = 500  # a term with at most this many matches is searched as an id list


def search_terms(text: str, *, limit: int = TERMS_PER_REQUEST) -> list[str]:
    """The distinct terms of ``text``, in order of first appearance."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    seen: dict[str, None] = {}
    for run in _RUNS.findall(text):
        if _CJK_RUN.match(run):
            grams = [run[i : i + 2] for i in range(len(run) - 1)]
        else:
            grams = [run[:TERM_MAX]] if len(run) >= 2 else []
        for gram in grams:
            seen.setdefault(gram, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def description_condition(text: str, statuses=None) -> Q | None:
    """Requests whose description holds every word of ``text``, or None when the text
    has no searchable term. ``statuses``: the status filter, if any, which the term
    index holds too.

    One term drives (an index range of RequestSearchTerm, within the statuses): the
    planner knows its frequency from the column statistics. Every word is then checked
    in the text with ``strpos``/``instr``, which is exact (no bigram false positive) and
    which the planner does not take for a rare condition, as it does ``LIKE '%…%'`` —
    that misestimate made it join every candidate before sorting."""
    from .choices import Status
    from .models import RequestSearchTerm

    terms = search_terms(text, limit=16)
    if not terms:
        return None
    # A token (letters/digits) is usually rarer than a bigram of common characters.
    driver = next((t for t in terms if not _CJK_RUN.match(t)), terms[0])
    # All statuses when not filtered: the key's second column, so a term and a request
    # is still an index lookup (one per status) rather than a walk of the term's range.
    statuses = sorted(set(statuses or Status.values))
    matches = RequestSearchTerm.objects.filter(term=driver, status__in=statuses)
    # A rare term (or one that is nowhere: a typo) as its few request ids, read from the
    # term's index range first: as a subquery, the planner may walk the sort's index
    # probing every request for it, through the whole table when nothing matches. A
    # common term stays a subquery: walking the sort's index finds a page of it at once.
    ids = list(matches.values_list("request_id", flat=True)[: TERM_ID_LIST_MAX + 1])
    if len(ids) <= TERM_ID_LIST_MAX:
        cond = Q(id__in=ids)
    else:
        cond = Q(id__in=matches.values("request_id"))
    for word in {unicodedata.normalize("NFKC", w).lower() for w in text.split()}:
        if word == driver:
            continue  # the term is the whole word: nothing left to check
        cond &= Q(GreaterThan(StrIndex(Lower("description"), Value(word)), 0))
    return cond


def search_terms_store(request, *, old_description: str | None = None) -> None:
    """(Re)write the terms of one request: only the difference when it had terms before."""
    from .models import RequestSearchTerm

    new = set(search_terms(request.description))
    old = set(search_terms(old_description)) if old_description is not None else set()
    gone = old - new
    if gone:
        RequestSearchTerm.objects.filter(term__in=sorted(gone), status=request.status, request_id=request.pk).delete()
    added = new - old
    if added:
        _terms_insert(sorted(added), request.status, request.pk)


def _terms_insert(terms: list[str], status: str, request_id: int) -> None:
    """Insert one request's terms in one statement (kept if already there), without the
    ORM's per-row objects: this runs in every create."""
    from .models import RequestSearchTerm

    table = connection.ops.quote_name(RequestSearchTerm._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (term, status, request_id) "  # noqa: S608 - fixed SQL, values are parameters
                "SELECT unnest(%s::varchar[]), %s, %s ON CONFLICT DO NOTHING",
                [terms, status, request_id],
            )
        else:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (term, status, request_id) VALUES (%s, %s, %s)",  # noqa: S608
                [(term, status, request_id) for term in terms],
            )


def search_terms_move(request, *, from_status: str) -> None:
    """The request's status changed: its terms follow (every key is known: index lookups)."""
    from .models import RequestSearchTerm

    terms = search_terms(request.description)
    if terms and from_status != request.status:
        RequestSearchTerm.objects.filter(term__in=terms, status=from_status, request_id=request.pk).update(
            status=request.status
        )


def search_terms_rows(rows) -> list[tuple[str, str, int]]:
    """(term, status, request id) for bulk writers: ``rows`` of {"id", "status", "description"}."""
    return [(term, row["status"], row["id"]) for row in rows for term in search_terms(row["description"])]


def search_terms_write(rows: list[tuple[str, str, int]]) -> int:
    """Insert (term, status, request id) rows fast: COPY on PostgreSQL, executemany on SQLite."""
    from .models import RequestSearchTerm

    if not rows:
        return 0
    table = connection.ops.quote_name(RequestSearchTerm._meta.db_table)
    if connection.vendor == "postgresql":
        with (
            connection.connection.cursor() as raw,
            raw.copy(f"COPY {table} (term, status, request_id) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    else:
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {table} (term, status, request_id) VALUES (%s, %s, %s)",  # noqa: S608
                rows,
            )
    return len(rows)


def search_terms_backfill(*, batch: int = 5000, after_id: int = 0, progress=None, using: str = "default") -> int:
    """Write the terms of every request with id > ``after_id`` (existing rows after the
    migration, or rows a loader wrote without them). Batches by id, one transaction each;
    safe to re-run (terms already there are kept). Returns the number of requests read."""
    from django.db import connections, transaction

    conn = connections[using]
    qn = conn.ops.quote_name
    requests, terms = qn("tickets_servicerequest"), qn("tickets_requestsearchterm")
    done, last = 0, after_id
    while True:
        with transaction.atomic(using=using), conn.cursor() as cursor:
            cursor.execute(
                f"SELECT id, status, description FROM {requests} WHERE id > %s ORDER BY id LIMIT %s",  # noqa: S608
                [last, batch],
            )
            rows = cursor.fetchall()
            if not rows:
                return done
            triples = [(term, status, pk) for pk, status, description in rows for term in search_terms(description)]
            if conn.vendor == "postgresql":
                cursor.execute(
                    "CREATE TEMP TABLE IF NOT EXISTS search_term_load (term text, status text, request_id bigint)"
                )
                cursor.execute("TRUNCATE search_term_load")
                with (
                    conn.connection.cursor() as raw,
                    raw.copy("COPY search_term_load (term, status, request_id) FROM STDIN") as copy,
                ):
                    for row in triples:
                        copy.write_row(row)
                cursor.execute(
                    f"INSERT INTO {terms} (term, status, request_id) "  # noqa: S608
                    "SELECT term, status, request_id FROM search_term_load "
                    "ON CONFLICT DO NOTHING"
                )
            else:
                cursor.executemany(
                    f"INSERT OR IGNORE INTO {terms} (term, status, request_id) VALUES (%s, %s, %s)",  # noqa: S608
                    triples,
                )
        done += len(rows)
        last = rows[-1][0]
        if progress:
            progress(len(rows))
