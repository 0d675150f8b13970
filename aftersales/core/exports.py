"""Spreadsheet exports (Excel and CSV) that are safe to open.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line
feed is read by Excel, LibreOffice and WPS as a formula: a part named
``=HYPERLINK("http://evil","Click")`` would become a live link, or worse (CSV/formula
injection, OWASP). Every export writes user text through ``cell_safe``, which puts an
apostrophe in front of such text so it stays text, as OWASP recommends. Numbers, money and
dates are written as what they are (a negative quantity stays a number).

Every export in the app goes through ``XlsxWriter`` or ``csv_writer``; a test keeps it so
(``core/tests/test_exports.py`` fails on a ``Workbook(`` or ``csv.writer(`` anywhere else).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# What makes a spreadsheet read a cell as a formula (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell_safe(value: Any) -> Any:
    """``value`` as it may go into a spreadsheet cell: text that would start a formula gets a
    leading apostrophe; anything else (numbers, dates, None) is returned as it is."""
    if isinstance(value, str):
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
        return value
    return value


def _xlsx_cell(value: Any) -> Any:
    value = cell_safe(value)
    if isinstance(value, str):
        # Control characters (other than tab and line breaks) are not allowed in the file format.
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


class XlsxSheet:
    def __init__(self, worksheet):
        self._ws = worksheet

    def append(self, row: Iterable[Any]) -> None:
        self._ws.append([_xlsx_cell(v) for v in row])


class XlsxWriter:
    """A streaming (write-only) .xlsx workbook whose every cell goes through ``cell_safe``."""

    def __init__(self):
        self._wb = Workbook(write_only=True)

    def sheet(self, title: str) -> XlsxSheet:
        # Sheet titles may not hold []:*?/\ and are at most 31 characters.
        clean = "".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "Sheet"
        return XlsxSheet(self._wb.create_sheet(clean))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._wb.save(buffer)
        return buffer.getvalue()


class _SafeCsvWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell_safe(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **kwargs) -> _SafeCsvWriter:
    """``csv.writer(stream)`` whose every cell goes through ``cell_safe``; every field is quoted."""
    kwargs.setdefault("quoting", csv.QUOTE_ALL)
    return _SafeCsvWriter(csv.writer(stream, **kwargs))
