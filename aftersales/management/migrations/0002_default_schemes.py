"""The scorecard schemes of SPEC R-KPI-3 (seed 002 §3 and §9), mapped to the nearest measures of
``kpis.definitions``:

- technicians: satisfaction (1–5) 40 % → ``satisfaction`` (answers of 4 or 5); response within
  24 h 30 % → ``appointment_contact_on_time`` (24 h appointment contact, the technician's); resolution
  rate ≥ 90 % 30 % → ``resolution_rate``;
- agents: satisfaction ≥ 4 40 % → ``satisfaction``; handling ≤ 5 min 30 % and attitude ≥ 90 % 30 %
  have no measure yet: ``first_response_time`` and ``followup_rate`` stand in, with a note on the
  line (docs/management.md).

Idempotent: a scheme that exists (by name) is left as it is.
"""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    (
        "技师月度考核",
        "technician",
        [
            ("satisfaction", 40, "linear", "60", "90", "满意度 1–5 分：4–5 分占比"),
            ("appointment_contact_on_time", 30, "linear", "70", "95", "24 小时内响应（预约联系）"),
            ("resolution_rate", 30, "linear", "70", "90", "问题解决率 ≥ 90 %"),
        ],
    ),
    (
        "客服月度考核",
        "agent",
        [
            ("satisfaction", 40, "linear", "60", "90", "满意度 ≥ 4 分"),
            ("first_response_time", 30, "linear", "24", "1", "代替“处理时长 ≤ 5 分钟”（暂无该指标）"),
            ("followup_rate", 30, "linear", "70", "95", "代替“服务态度 ≥ 90 %”（暂无该指标）"),
        ],
    ),
]


def forwards(apps, schema_editor):
    Scheme = apps.get_model("management", "Scheme")
    SchemeLine = apps.get_model("management", "SchemeLine")
    for name, role, lines in DEFAULTS:
        if Scheme.objects.filter(name=name).exists():
            continue
        scheme = Scheme.objects.create(name=name, role=role, is_active=True)
        for i, (kpi, weight, method, floor, target, note) in enumerate(lines):
            SchemeLine.objects.create(
                scheme=scheme,
                position=i,
                kpi=kpi,
                weight=weight,
                method=method,
                floor=Decimal(floor),
                target=Decimal(target),
                note=note,
            )


class Migration(migrations.Migration):
    dependencies = [("management", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
