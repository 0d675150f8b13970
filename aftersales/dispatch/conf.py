"""Every dispatch setting with its default, read in this one place.

Read at call time (properties), so ``override_settings`` in tests and a changed environment apply.
"""

from __future__ import annotations

from django.conf import settings

from .choices import DispatchMode


class DispatchSettings:
    @property
    def default_mode(self) -> str:
        """Dispatch mode where no policy row matches."""
        return getattr(settings, "DISPATCH_DEFAULT_MODE", DispatchMode.SUGGEST)

    @property
    def accept_minutes(self) -> int:
        """Minutes a technician has to answer an offer where no policy row matches."""
        return getattr(settings, "DISPATCH_ACCEPT_MINUTES", 30)

    @property
    def osrm_url(self) -> str:
        """OSRM server for travel times; empty: straight line × road factor."""
        return getattr(settings, "DISPATCH_OSRM_URL", "")

    @property
    def road_factor(self) -> float:
        return getattr(settings, "DISPATCH_ROAD_FACTOR", 1.3)

    @property
    def speed_kmh(self) -> float:
        return getattr(settings, "DISPATCH_SPEED_KMH", 30.0)

    @property
    def solver_seconds(self) -> float:
        """Time limit of one technician's day plan."""
        return getattr(settings, "DISPATCH_SOLVER_SECONDS", 2.0)

    @property
    def rebalance_seconds(self) -> float:
        """Time limit of the whole-day rebalance."""
        return getattr(settings, "DISPATCH_REBALANCE_SECONDS", 3.0)

    @property
    def rebalance_min_saving_seconds(self) -> int:
        """Travel a rebalance must save per moved job to be proposed."""
        return getattr(settings, "DISPATCH_REBALANCE_MIN_SAVING_SECONDS", 300)

    @property
    def map_tiles(self) -> str:
        """Tile URL template of the board map; empty: offline schematic."""
        return (getattr(settings, "DISPATCH_MAP_TILES", "") or "").strip()

    @property
    def map_attribution(self) -> str:
        return getattr(settings, "DISPATCH_MAP_ATTRIBUTION", "") or ""


conf = DispatchSettings()
