"""The names of the rules and escalation levels the migrations seed. They are data
(administrators rename them), so they are stored as written here, in English, and shown
translated while they keep these names; a name an administrator typed is shown as typed."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from aftersales.core.messages import known_name

RULE_NAMES = (
    gettext_noop("Default: first response within 24 h"),
    gettext_noop("Urgent: first response within 1 h"),
    gettext_noop("Online message (web): answer within 30 min of working time"),
    gettext_noop("Online message (WeChat): answer within 30 min of working time"),
    gettext_noop("Online message (portal): answer within 30 min of working time"),
    gettext_noop("City repair: appointment within 24 h, on site within 24 h"),
    gettext_noop("Remote repair: on site within 48 h"),
    gettext_noop("City installation: on site within 24 h"),
    gettext_noop("Remote installation: on site within 48 h"),
    gettext_noop("City maintenance: on site within 24 h"),
    gettext_noop("Remote maintenance: on site within 48 h"),
)

LEVEL_NAMES = (
    gettext_noop("Warning"),
    gettext_noop("Level 1: agent and supervisor"),
    gettext_noop("Level 2: supervisor"),
    gettext_noop("Level 3: manager"),
    gettext_noop("Level 4: director"),
)

# The names migration 0004 seeded (both languages in one string), renamed by 0005.
OLD_LEVEL_NAMES = {
    "预警 Warning": LEVEL_NAMES[0],
    "一级：客服与主管 Agent and supervisor": LEVEL_NAMES[1],
    "二级：主管 Supervisor": LEVEL_NAMES[2],
    "三级：经理 Manager": LEVEL_NAMES[3],
    "四级：总监 Director": LEVEL_NAMES[4],
}

CALENDAR_NAMES = (gettext_noop("Standard working hours"),)


def rule_name(name: str) -> str:
    return known_name(name, RULE_NAMES)


def level_name(name: str) -> str:
    return known_name(name, LEVEL_NAMES)


def calendar_name(name: str) -> str:
    return known_name(name, CALENDAR_NAMES)
