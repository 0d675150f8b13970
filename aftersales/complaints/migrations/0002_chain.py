"""The default complaint escalation chain (seed 001 §6.4): complaint handler → quality manager →
after-sales manager → director. Rows are data: managers edit them in the admin.

Level 0 (the handlers) is told of a new complaint without an investigator. A major complaint
starts at the quality manager, an urgent one at the after-sales manager; a missed reply deadline
reaches the quality manager at once, the after-sales manager a day later, the director after
three days. A rejection of the solution goes one level up."""

import datetime

from django.db import migrations

H = datetime.timedelta(hours=1)

# Names in English (the source language): shown translated while unchanged (complaints/defaults.py).
LEVELS = [
    # level, name, role, severity, overdue after, e-mail
    (0, "Complaint handler", "quality", "", None, False),
    (1, "Quality manager", "quality_manager", "major", 0 * H, False),
    (2, "After-sales manager", "manager", "urgent", 24 * H, True),
    (3, "Director", "admin", "", 72 * H, True),
]


def forwards(apps, schema_editor):
    EscalationLevel = apps.get_model("complaints", "EscalationLevel")
    if EscalationLevel.objects.exists():
        return
    for level, name, role, severity, overdue, email in LEVELS:
        EscalationLevel.objects.create(
            level=level,
            name=name,
            notify_role=role,
            severity=severity,
            overdue_after=overdue,
            email=email,
            notify_investigator=level > 0,
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
