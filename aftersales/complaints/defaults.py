"""The names of the escalation levels the migration seeds: data (administrators rename them),
stored in English and shown translated while they keep these names."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.core.messages import known_name

LEVEL_NAMES = (
    gettext_noop("Complaint handler"),
    gettext_noop("Quality manager"),
    gettext_noop("After-sales manager"),
    gettext_noop("Director"),
)


def level_name(name: str) -> str:
    return known_name(name, LEVEL_NAMES)
