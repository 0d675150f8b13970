"""Notes and reasons dispatch wrote on the timeline in one language become message keys
(``dispatch/messages.py``), shown in the reader's language."""

from django.db import migrations


def forwards(apps, schema_editor):
    from aftersales.tickets.legacy import timeline_texts_convert

    timeline_texts_convert(apps, keys=["dispatch.visit_moved", "dispatch.on_the_way"], kind="note")
    timeline_texts_convert(apps, keys=["dispatch.visit_moved"], kind="transition", action="schedule")
    timeline_texts_convert(apps, keys=["dispatch.offer_expired"], kind="transition", action="decline")
    timeline_texts_convert(apps, keys=["dispatch.route_moved"], kind="transition", action="assign")


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0003_appointment_visited"), ("tickets", "0005_event_message")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
