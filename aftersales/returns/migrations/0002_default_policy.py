"""China's 三包 defaults as the policy for every product (R-RET-1). A row of data: managers edit it."""

from django.db import migrations

DEFAULT_NAME = "China 三包 (default)"  # returns.models.DEFAULT_POLICY_NAME: shown translated while unchanged


def forwards(apps, schema_editor):
    ReturnPolicy = apps.get_model("returns", "ReturnPolicy")
    ReturnPolicy.objects.get_or_create(
        product_category=None,
        defaults={
            "name": DEFAULT_NAME,
            "return_days": 7,
            "exchange_days": 15,
            "repeat_repairs": 2,
            "repair_days": 30,
            "parts_wait_days": 90,
            "extend_by_repair": True,
            "no_reason_return": True,
            "no_reason_days": 7,
            "refund_days": 7,
            "at_risk_days": 2,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("returns", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
