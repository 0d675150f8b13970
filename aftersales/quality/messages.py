"""Quality messages (registered at start-up by ``CoreConfig.ready``); stored as keys with parameters."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from aftersales.core.messages import register

register(
    "quality.corrective_assigned",
    text=_("Corrective action for service form %(visit)s, due %(due)s: %(text)s"),
    label=_("Inspection"),
)
