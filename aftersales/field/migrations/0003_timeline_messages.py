"""The notes of visit steps ("SF2026-000123: checked in (visit 1).") written in one
language become message keys (``field/messages.py``), shown in the reader's language."""

import re

from django.db import migrations

KEYS = [
    "field.checked_in",
    "field.quote_continued",
    "field.diagnosed",
    "field.quote",
    "field.quote_accepted",
    "field.part_used",
    "field.checks",
    "field.signed",
    "field.paid",
    "field.checked_out",
]


def _a_visit(params: dict) -> bool:
    return bool(re.fullmatch(r"SF\d{4}-\d{6}", str(params.get("visit", ""))))


def forwards(apps, schema_editor):
    from aftersales.tickets.legacy import timeline_texts_convert

    timeline_texts_convert(apps, keys=KEYS, check=_a_visit, kind="note", reason__startswith="SF")


class Migration(migrations.Migration):
    dependencies = [("field", "0002_unit_flag_facts"), ("tickets", "0005_event_message")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
