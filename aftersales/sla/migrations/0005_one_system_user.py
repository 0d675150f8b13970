"""One system account for everything automatic (``accounts.system.system_user``): the SLA
system user created by 0004 becomes it, renamed ``system``. A ``dispatch-system`` user left
by earlier versions stays as it is (its past actions keep their author); nothing uses it any more."""

from django.contrib.auth.hashers import make_password
from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if User.objects.filter(username="system").exists():
        return
    updated = User.objects.filter(username="sla-system").update(username="system", last_name="", first_name="系统")
    if not updated:
        User.objects.create(
            username="system", password=make_password(None), role="manager", is_active=False, first_name="系统"
        )


def backwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    if not User.objects.filter(username="sla-system").exists():
        User.objects.filter(username="system").update(username="sla-system", last_name="SLA", first_name="系统")


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_escalation_defaults")]

    operations = [migrations.RunPython(forwards, backwards)]
