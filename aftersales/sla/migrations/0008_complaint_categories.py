"""The quality-manager role in the matrix's role choices, and the complaint categories the
complaints app uses (its codes; seed 002: service attitude 24 h, product quality 48 h, other
problems 72 h — delay and price/billing are "other" problems by default). Rows are data."""

from django.db import migrations, models

RENAMED = {"service_attitude": "attitude", "product_quality": "quality"}
CATEGORIES = [
    ("attitude", "服务态度", 24),
    ("quality", "产品质量", 48),
    ("delay", "延误", 72),
    ("billing", "价格/收费", 72),
    ("other", "其他", 72),
]


def forwards(apps, schema_editor):
    ComplaintCategory = apps.get_model("sla", "ComplaintCategory")
    for old, new in RENAMED.items():
        if not ComplaintCategory.objects.filter(code=new).exists():
            ComplaintCategory.objects.filter(code=old).update(code=new)
    for code, name, hours in CATEGORIES:
        ComplaintCategory.objects.get_or_create(code=code, defaults={"name": name, "reply_hours": hours})


def backwards(apps, schema_editor):
    ComplaintCategory = apps.get_model("sla", "ComplaintCategory")
    for old, new in RENAMED.items():
        ComplaintCategory.objects.filter(code=new).update(code=old)


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0007_refresh_pending'),
    ]

    operations = [
        migrations.AlterField(
            model_name='escalationlevel',
            name='notify_role',
            field=models.CharField(blank=True, choices=[('agent', 'Agent'), ('dispatcher', 'Dispatcher'), ('technician', 'Technician'), ('parts_clerk', 'Parts clerk'), ('quality', 'Quality / complaints'), ('quality_manager', 'Quality manager'), ('manager', 'After-sales manager'), ('admin', 'Administrator'), ('partner', 'Partner staff'), ('customer', 'Customer')], default='', max_length=16, verbose_name='notify everyone with role'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
