"""Converting timeline text frozen in one language into message keys (data migrations).

Before ``core.messages`` the system wrote its notes and reasons as finished sentences in
whatever language was active. Each app's migration hands its own templates to
:func:`timeline_texts_convert`: rows whose text matches one of them (in any of the
site's languages) get ``message`` + ``params`` and an empty ``reason``; every other row,
and anything a person typed, stays as it was."""

from __future__ import annotations

from collections.abc import Callable, Iterable

BATCH = 1000


def timeline_texts_convert(apps, *, keys: Iterable[str], check: Callable[[dict], bool] | None = None, **filters) -> int:
    """Convert the events matching ``filters`` whose ``reason`` is one of ``keys``'
    templates (and passes ``check(params)``). Returns the number of rows converted."""
    from aftersales.core.messages import message_parse

    Event = apps.get_model("tickets", "ServiceRequestEvent")
    keys = list(keys)
    done, batch = 0, []
    rows = Event.objects.filter(message="", **filters).exclude(reason="").only("pk", "reason")
    for row in rows.order_by("pk").iterator(chunk_size=2000):
        message = message_parse(row.reason, keys)
        if message is None or (check is not None and not check(message.params)):
            continue
        row.message, row.params, row.reason = message.key, message.params, ""
        batch.append(row)
        if len(batch) >= BATCH:
            Event.objects.bulk_update(batch, ["message", "params", "reason"])
            done, batch = done + len(batch), []
    if batch:
        Event.objects.bulk_update(batch, ["message", "params", "reason"])
        done += len(batch)
    return done
