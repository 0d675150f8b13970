"""Who reads the measures (R-ROLE-1, R-KPI-2).

Managers, quality managers and administrators read every measure; partner staff read their own
partner's figures (``selectors.filters_clean`` holds them to it, and the complaint measures are
not theirs to see). Agents and technicians have their own home panel (``/kpis/me/``) with their
own figures only.
"""

from __future__ import annotations

from aftersales.accounts.choices import Role

__all__ = ["DASHBOARD_ROLES", "ME_ROLES"]

DASHBOARD_ROLES = frozenset({Role.MANAGER, Role.QUALITY_MANAGER, Role.ADMIN, Role.PARTNER})
ME_ROLES = frozenset({Role.AGENT, Role.TECHNICIAN})
