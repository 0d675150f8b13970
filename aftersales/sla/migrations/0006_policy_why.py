"""Text the SLA wrote in one language becomes message keys, shown in the reader's
language: why a rule applies (per clock), the seeded escalation level names (English
source names, translated while unchanged), and the escalation notes and reassignment
reasons on the timeline."""

from django.db import migrations, models


def _why(policy, reason: str) -> list:
    from aftersales.core.messages import msg
    from aftersales.sla.rules import rule_reason

    why = [m.as_dict() for m in rule_reason(policy, tie_broken="“" in reason)]
    if "24×7" in reason:
        why.append(msg("sla.no_calendar").as_dict())
    return why


def forwards(apps, schema_editor):
    from aftersales.sla.defaults import OLD_LEVEL_NAMES
    from aftersales.tickets.legacy import timeline_texts_convert

    SlaClock = apps.get_model("sla", "SlaClock")
    SlaPolicy = apps.get_model("sla", "SlaPolicy")
    EscalationLevel = apps.get_model("sla", "EscalationLevel")
    SlaEscalation = apps.get_model("sla", "SlaEscalation")
    User = apps.get_model("accounts", "User")

    # One UPDATE per (rule, old reason): the reasons of a rule are a handful of texts.
    policies = {p.pk: p for p in SlaPolicy.objects.select_related("product_category")}
    pairs = SlaClock.objects.exclude(policy=None).values_list("policy_id", "policy_reason").distinct()
    for policy_id, reason in list(pairs):
        policy = policies.get(policy_id)
        if policy is not None:
            SlaClock.objects.filter(policy_id=policy_id, policy_reason=reason).update(
                policy_why=_why(policy, reason or "")
            )

    for old, new in OLD_LEVEL_NAMES.items():
        EscalationLevel.objects.filter(name=old).update(name=new)
        SlaEscalation.objects.filter(level_name=old).update(level_name=new)
    SlaEscalation.objects.filter(level=0, level_name__in=["Warning", "预警"]).update(level_name="Warning")

    system = User.objects.filter(username__in=("system", "sla-system")).first()
    if system is not None:
        timeline_texts_convert(apps, keys=["sla.escalation"], kind="note", actor=system)
    timeline_texts_convert(apps, keys=["sla.reassign_reason"], kind="transition", action="assign")


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0005_one_system_user"),
        ("tickets", "0005_event_message"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="slaclock",
            name="policy_why",
            field=models.JSONField(blank=True, default=list, verbose_name="why this rule"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name="slaclock", name="policy_reason"),
    ]
