"""Channels for tests only (named in ``settings.OUTBOX_CHANNELS`` by the tests)."""

from __future__ import annotations

from aftersales.notifications.channels import EmailChannel


class Flaky(EmailChannel):
    """An e-mail channel whose provider is down while ``down`` is true; counts deliveries."""

    down = True
    delivered: list[int] = []
    calls = 0

    def deliver(self, message):
        type(self).calls += 1
        if type(self).down:
            raise ConnectionError("provider unreachable")
        type(self).delivered.append(message.pk)
