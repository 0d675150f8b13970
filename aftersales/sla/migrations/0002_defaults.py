"""Default calendars, China's statutory days, the seed rules (R-SLA-1), complaint reply
deadlines and the follow-up window. Rows are data: admins edit them afterwards."""

import datetime

from django.db import migrations

from aftersales.sla.china import statutory_days

H = datetime.timedelta(hours=1)
M = datetime.timedelta(minutes=1)

RULES = [
    # name, precedence, criteria, targets {kind: (duration, business)}
    ("Default: first response within 24 h", 100, {}, {"first_response": (24 * H, False)}),
    ("Urgent: first response within 1 h", 10, {"priority": "urgent"}, {"first_response": (1 * H, False)}),
    ("Online message (web): answer within 30 min of working time", 20, {"channel": "web"}, {"first_response": (30 * M, True)}),
    ("Online message (WeChat): answer within 30 min of working time", 20, {"channel": "wechat"}, {"first_response": (30 * M, True)}),
    ("Online message (portal): answer within 30 min of working time", 20, {"channel": "portal"}, {"first_response": (30 * M, True)}),
    (
        "City repair: appointment within 24 h, on site within 24 h",
        100,
        {"service_type": "repair", "region_class": "urban"},
        {"appointment_contact": (24 * H, False), "arrival": (24 * H, False)},
    ),
    ("Remote repair: on site within 48 h", 100, {"service_type": "repair", "region_class": "remote"}, {"arrival": (48 * H, False)}),
    ("City installation: on site within 24 h", 100, {"service_type": "installation", "region_class": "urban"}, {"arrival": (24 * H, False)}),
    ("Remote installation: on site within 48 h", 100, {"service_type": "installation", "region_class": "remote"}, {"arrival": (48 * H, False)}),
    ("City maintenance: on site within 24 h", 100, {"service_type": "maintenance", "region_class": "urban"}, {"arrival": (24 * H, False)}),
    ("Remote maintenance: on site within 48 h", 100, {"service_type": "maintenance", "region_class": "remote"}, {"arrival": (48 * H, False)}),
]

COMPLAINTS = [
    ("service_attitude", "服务态度", 24),
    ("product_quality", "产品质量", 48),
    ("other", "其他", 72),
]


def forwards(apps, schema_editor):
    Calendar = apps.get_model("sla", "Calendar")
    WorkingPeriod = apps.get_model("sla", "WorkingPeriod")
    CalendarDay = apps.get_model("sla", "CalendarDay")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    ComplaintCategory = apps.get_model("sla", "ComplaintCategory")
    FollowUpWindow = apps.get_model("sla", "FollowUpWindow")

    standard, created = Calendar.objects.get_or_create(
        code="standard", defaults={"name": "Standard working hours", "is_default": True}
    )
    if created:
        WorkingPeriod.objects.bulk_create(
            WorkingPeriod(calendar=standard, weekday=wd, start=start, end=end)
            for wd in range(5)
            for start, end in ((datetime.time(9), datetime.time(12)), (datetime.time(13, 30), datetime.time(18)))
        )
        CalendarDay.objects.bulk_create(
            CalendarDay(calendar=standard, date=d.date, kind=d.kind, name=d.name, source="statutory")
            for d in statutory_days()
        )
    Calendar.objects.get_or_create(code="24x7", defaults={"name": "24×7", "is_24x7": True})

    if not SlaPolicy.objects.exists():
        for name, precedence, criteria, targets in RULES:
            fields = {"name": name, "precedence": precedence, "calendar": standard, **criteria}
            for kind, (duration, business) in targets.items():
                fields[kind] = duration
                fields[f"{kind}_business"] = business
            SlaPolicy.objects.create(pause_statuses=["waiting_customer"], **fields)
    for code, name, hours in COMPLAINTS:
        ComplaintCategory.objects.get_or_create(code=code, defaults={"name": name, "reply_hours": hours})
    FollowUpWindow.objects.get_or_create(service_type=None, defaults={"earliest_hours": 24, "latest_hours": 72})


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
