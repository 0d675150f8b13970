"""The SLA system user (the actor of automatic priority changes, reassignments and
timeline notes) and a default escalation matrix (seed 001 §6.4): warning → agent and
supervisor → supervisor → manager → director. Rows are data: admins edit them."""

import datetime

from django.contrib.auth.hashers import make_password
from django.db import migrations

H = datetime.timedelta(hours=1)

# Names in English, the source language: shown translated while unchanged (sla/defaults.py).
# (Databases migrated before this was so had bilingual names; 0005 renames them.)
LEVELS = [
    # level, name, delay, role, assignee, creator, in_app, email, raise priority to
    (0, "Warning", 0 * H, "", True, True, True, False, ""),
    (1, "Level 1: agent and supervisor", 0 * H, "dispatcher", True, True, True, False, ""),
    (2, "Level 2: supervisor", 2 * H, "dispatcher", True, False, True, True, "high"),
    (3, "Level 3: manager", 8 * H, "manager", False, False, True, True, "urgent"),
    (4, "Level 4: director", 24 * H, "admin", False, False, True, True, ""),
]


def forwards(apps, schema_editor):
    from django.db.models import F

    # Clocks computed before this migration: their pending warnings join the sweep's work
    # list. (Breaches already open are scheduled by their next refresh, or at once by
    # ``manage.py sla_recompute``.)
    SlaClock = apps.get_model("sla", "SlaClock")
    SlaClock.objects.filter(state="running", warned_at__isnull=True).update(warn_at=F("warning_at"))
    User = apps.get_model("accounts", "User")
    EscalationLevel = apps.get_model("sla", "EscalationLevel")
    if not User.objects.filter(username="sla-system").exists():
        User.objects.create(
            username="sla-system",
            password=make_password(None),
            role="manager",
            is_active=False,
            last_name="SLA",
            first_name="系统",
        )
    if not EscalationLevel.objects.exists():
        for level, name, delay, role, assignee, creator, in_app, email, priority in LEVELS:
            EscalationLevel.objects.create(
                level=level,
                name=name,
                delay=delay,
                notify_role=role,
                notify_assignee=assignee,
                notify_creator=creator,
                in_app=in_app,
                email=email,
                raise_priority_to=priority,
            )


class Migration(migrations.Migration):
    dependencies = [("sla", "0003_escalation"), ("accounts", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
