"""Spreadsheet exports never write user text as a live formula (issue 11, item 8; OWASP CSV injection)."""

import csv
import io
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from aftersales.accounts.choices import Role
from aftersales.core.exports import FORMULA_PREFIXES, XlsxWriter, cell_safe, csv_writer

HYPERLINK = '=HYPERLINK("http://x","y")'
DANGEROUS = [HYPERLINK, "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1", "\r=1", "\n=1", "=1+1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_text_that_would_start_a_formula_gets_an_apostrophe(text):
    assert cell_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["空调", "SN-1", "a=b", "", 5, -3, Decimal("-1.50"), date(2026, 1, 1), None])
def test_other_values_are_written_as_they_are(value):
    assert cell_safe(value) == value


@given(st.text(max_size=30))
def test_no_safe_cell_starts_a_formula(text):
    assert not cell_safe(text).startswith(FORMULA_PREFIXES)


def test_xlsx_cells_are_text_not_formulas():
    book = XlsxWriter()
    sheet = book.sheet("Sheet: [1]")
    sheet.append([HYPERLINK, -5, Decimal("-1.25"), "plain", "bell\x07"])
    ws = load_workbook(io.BytesIO(book.to_bytes())).active
    cells = list(ws.iter_rows(values_only=False))[0]
    assert [c.data_type for c in cells] == ["s", "n", "n", "s", "s"]
    assert cells[0].value == "'" + HYPERLINK
    assert cells[1].value == -5
    assert cells[4].value == "bell"  # control characters the file format forbids are dropped


def test_csv_cells_are_text_not_formulas():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow([HYPERLINK, -5, "plain"])
    row = next(csv.reader(io.StringIO(out.getvalue())))
    assert row == ["'" + HYPERLINK, "-5", "plain"]


@pytest.mark.django_db
def test_stock_export_writes_a_formula_named_part_as_text(client, make_user):
    from aftersales.parts.choices import Tracking
    from aftersales.parts.tests.factories import make_part, make_warehouse, stock

    clerk = make_user(Role.PARTS_CLERK)
    part = make_part(clerk, name=HYPERLINK, tracking=Tracking.BATCH)
    stock(clerk, make_warehouse(clerk), part, 3, lot="@lot")
    client.force_login(clerk)
    response = client.get(reverse("parts:levels_xlsx"))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    row = next(r for r in ws.iter_rows(min_row=2) if r[1].value == part.code)
    assert row[2].value == "'" + HYPERLINK and row[2].data_type == "s"
    assert row[4].value == "'@lot"
    assert row[5].value == 3 and row[5].data_type == "n"
    assert not [c for r in ws.iter_rows() for c in r if c.data_type == "f"]


def test_every_export_goes_through_core_exports():
    """A spreadsheet or CSV written anywhere else could skip ``cell_safe``."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(r"\bWorkbook\(|csv\.(writer|DictWriter)\(")
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if "tests" not in path.parts
        and "migrations" not in path.parts
        and path != root / "core" / "exports.py"
        and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"write exports with aftersales.core.exports (XlsxWriter, csv_writer): {offenders}"
