"""Every service that locks rows runs in a transaction.

``select_for_update`` outside a transaction fails on PostgreSQL ("select_for_update cannot be
used outside of a transaction") but not on SQLite, which has no row locks, nor inside a test
wrapped in ``TestCase``'s transaction: only a live server on PostgreSQL found it when a refactor
moved ``@transaction.atomic`` off ``visit_check_out`` onto the helper written above it. This test
reads the services' source instead: a public service function that locks, itself or through the
private helpers it calls (``_lock`` and the like, in any services module), must be decorated with
``transaction.atomic`` or open an ``atomic`` block.
"""

from __future__ import annotations

import ast
from pathlib import Path

APPS = Path(__file__).resolve().parents[2]

# Public services that lock rows as a step of their caller's transaction (never called on their own).
INSIDE_CALLERS_TRANSACTION = {
    "certification_grant": "training.session_transition, when a session closes",
    "request_assignment_apply": "tickets.request_transition, through the REQUEST_ASSIGNMENT slot",
    "survey_expire": "feedback's follow-up superseded, under the follow-up's lock",
    "opening_stock_post": "parts.importing, inside the import's single transaction",
}


def _service_modules() -> list[Path]:
    found = sorted(APPS.glob("*/services.py")) + sorted(APPS.glob("*/services/*.py"))
    assert len(found) > 20, found
    return found


def _names_called(node: ast.AST) -> set[str]:
    out = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                out.add(func.id)
            elif isinstance(func, ast.Attribute):
                out.add(func.attr)
    return out


def _is_atomic(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        node = node.func
    return (isinstance(node, ast.Attribute) and node.attr == "atomic") or (
        isinstance(node, ast.Name) and node.id == "atomic"
    )


def _opens_transaction(fn: ast.FunctionDef) -> bool:
    if any(_is_atomic(d) for d in fn.decorator_list):
        return True
    return any(
        isinstance(sub, ast.With) and any(_is_atomic(item.context_expr) for item in sub.items) for sub in ast.walk(fn)
    )


def test_public_services_that_lock_rows_open_a_transaction():
    functions: dict[tuple[Path, str], ast.FunctionDef] = {}
    for path in _service_modules():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                functions[(path, node.name)] = node
    by_name: dict[str, list[tuple[Path, str]]] = {}
    for key in functions:
        by_name.setdefault(key[1], []).append(key)

    def callees(key):
        """The functions ``key`` calls: of its own module when defined there, else any module's (imported)."""
        for name in _names_called(functions[key]):
            yield from [(key[0], name)] if (key[0], name) in functions else by_name.get(name, [])

    # Private helpers that lock without opening a transaction of their own (``_lock``; not the
    # outbox's ``_claim``), directly or through other such helpers.
    helpers = [k for k in functions if k[1].startswith("_") and not _opens_transaction(functions[k])]
    locking = {k for k in helpers if "select_for_update" in _names_called(functions[k])}
    while more := {k for k in helpers if k not in locking and any(c in locking for c in callees(k))}:
        locking |= more
    checked, missing = 0, []
    for key, fn in functions.items():
        path, name = key
        if name.startswith("_") or not (
            "select_for_update" in _names_called(fn) or any(c in locking for c in callees(key))
        ):
            continue
        checked += 1
        if not _opens_transaction(fn) and name not in INSIDE_CALLERS_TRANSACTION:
            missing.append(f"{path.relative_to(APPS)}:{fn.lineno} {name}")
    assert set(INSIDE_CALLERS_TRANSACTION) <= set(by_name)  # no stale exception
    assert checked > 30  # the rule reaches the services that lock (not a walk over nothing)
    assert not missing, "lock rows outside a transaction on PostgreSQL:\n" + "\n".join(missing)
