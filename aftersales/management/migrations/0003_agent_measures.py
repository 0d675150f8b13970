"""The agents' scheme gets its own measures for the two lines that had stand-ins (seed 002 §9):
handling ≤ 5 min → ``handled_within_5min`` and attitude ≥ 90 % → ``attitude_rate``. Only lines
still as seeded (their note says they stand in) are changed; runs keep the lines they were
computed with."""

from decimal import Decimal

from django.db import migrations

SCHEME = "客服月度考核"
CHANGES = [
    # (stand-in measure, measure, floor, target, note)
    ("first_response_time", "handled_within_5min", "60", "90", "处理效率：5 分钟内受理"),
    ("followup_rate", "attitude_rate", "60", "90", "服务态度 ≥ 90 %"),
]


def forwards(apps, schema_editor):
    SchemeLine = apps.get_model("management", "SchemeLine")
    for old, new, floor, target, note in CHANGES:
        SchemeLine.objects.filter(scheme__name=SCHEME, scheme__role="agent", kpi=old, note__startswith="代替").update(
            kpi=new, floor=Decimal(floor), target=Decimal(target), note=note
        )


class Migration(migrations.Migration):
    dependencies = [("management", "0002_default_schemes")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
