"""The outbox, and the inbox's rows as message keys with parameters.

Existing notifications keep their rows: the frozen text is recognised where it was
written from a known template (in English or Chinese) and becomes key + params, shown in
the reader's language from now on; otherwise it stays as it was (``_text``) under its
kind. The service request they pointed to becomes their link."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


# The central list of verbs this replaces, and the message kinds they became.
VERB_KEYS = {
    "sla_warning": ["sla.warning"],
    "sla_escalation": ["sla.escalation"],
    "dispatch_offer": ["dispatch.offer", "dispatch.offer_open"],
    "low_stock": ["parts.low_stock"],
    "defective_overdue": ["parts.defective_overdue"],
}


def converted(verb: str, text: str) -> tuple[str, dict]:
    from aftersales.core.messages import LEGACY_TEXT, LITERAL, message_parse

    keys = VERB_KEYS.get(verb)
    if not keys:
        return LITERAL, {"text": text}
    message = message_parse(text, keys)
    if message is not None:
        return message.key, message.params
    return keys[0], {LEGACY_TEXT: text}


def forwards(apps, schema_editor):
    from django.urls import reverse

    Notification = apps.get_model("notifications", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    request_type = None
    batch = []
    for row in Notification.objects.select_related("request").order_by("pk").iterator(chunk_size=2000):
        row.key, row.params = converted(row.verb, row.text)
        if row.request_id:
            if request_type is None:
                request_type, _ = ContentType.objects.get_or_create(app_label="tickets", model="servicerequest")
            row.link_type = request_type
            row.link_id = str(row.request_id)
            row.link_label = row.request.number
            row.url = reverse("tickets:detail", args=[row.request_id])
        batch.append(row)
        if len(batch) >= 1000:
            Notification.objects.bulk_update(batch, ["key", "params", "link_type", "link_id", "link_label", "url"])
            batch = []
    if batch:
        Notification.objects.bulk_update(batch, ["key", "params", "link_type", "link_id", "link_label", "url"])


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('notifications', '0002_more_verbs'),
        ('tickets', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='notification',
            name='key',
            field=models.CharField(default='', max_length=64, verbose_name='kind'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='notification',
            name='link_id',
            field=models.CharField(blank=True, max_length=64, verbose_name='about (id)'),
        ),
        migrations.AddField(
            model_name='notification',
            name='link_label',
            field=models.CharField(blank=True, max_length=100, verbose_name='about'),
        ),
        migrations.AddField(
            model_name='notification',
            name='link_type',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='about (type)'),
        ),
        migrations.AddField(
            model_name='notification',
            name='params',
            field=models.JSONField(blank=True, default=dict, verbose_name='parameters'),
        ),
        migrations.AddField(
            model_name='notification',
            name='url',
            field=models.CharField(blank=True, max_length=300, verbose_name='link'),
        ),
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('link_id', models.CharField(blank=True, max_length=64, verbose_name='about (id)')),
                ('link_label', models.CharField(blank=True, max_length=100, verbose_name='about')),
                ('url', models.CharField(blank=True, max_length=300, verbose_name='link')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('address', models.CharField(blank=True, help_text='E-mail address, phone, …', max_length=254, verbose_name='address')),
                ('channel', models.CharField(choices=[('in_app', 'In the app'), ('email', 'E-mail'), ('sms', 'SMS'), ('wechat', 'WeChat')], max_length=16, verbose_name='channel')),
                ('key', models.CharField(max_length=64, verbose_name='kind')),
                ('language', models.CharField(max_length=16, verbose_name='language')),
                ('params', models.JSONField(blank=True, default=dict, verbose_name='parameters')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('sending', 'Sending'), ('sent', 'Sent'), ('failed', 'Failed, will retry'), ('dead', 'Given up')], default='pending', max_length=16, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt at')),
                ('claim_token', models.CharField(blank=True, editable=False, max_length=32)),
                ('claimed_at', models.DateTimeField(blank=True, null=True, verbose_name='claimed at')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('link_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='about (type)')),
                ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
            ],
            options={
                'verbose_name': 'outgoing message',
                'verbose_name_plural': 'outbox',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='notification',
            name='outbox',
            field=models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='notification', to='notifications.outboxmessage', verbose_name='outgoing message'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['link_type', 'link_id'], name='notification_link'),
        ),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'failed', 'sending'])), fields=['next_attempt_at', 'id'], name='outbox_due'),
        ),
        migrations.AddIndex(
            model_name='outboxmessage',
            index=models.Index(fields=['status', '-created_at'], name='outbox_status'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(model_name='notification', name='email_to'),
        migrations.RemoveField(model_name='notification', name='emailed_at'),
        migrations.RemoveField(model_name='notification', name='request'),
        migrations.RemoveField(model_name='notification', name='text'),
        migrations.RemoveField(model_name='notification', name='verb'),
    ]
