"""Travel-time providers: ``provider.matrix(points) -> TravelMatrix`` (integer seconds and metres).

* ``StraightLineTravel`` (default): great-circle (haversine) or planar Euclidean distance times a road factor,
  driven at an average speed. No network, deterministic; good enough to plan a city day.
* ``OsrmTableTravel``: road times from an OSRM server's ``/table`` service (``osrm-routed``), for sites that run
  one. The HTTP transport is injectable so tests never touch the network.
"""

from __future__ import annotations

import json
import math
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .model import Point

EARTH_RADIUS_M = 6_371_008.8
UNREACHABLE_SECONDS = 10**7  # about 116 days: never fits a shift


@dataclass(frozen=True)
class TravelMatrix:
    seconds: np.ndarray  # int64, [from, to]
    metres: np.ndarray  # int64, [from, to]


class TravelTimeProvider(Protocol):
    def matrix(self, points: Sequence[Point]) -> TravelMatrix: ...


@dataclass(frozen=True)
class StraightLineTravel:
    """Straight-line distance x ``road_factor`` at ``speed_kmh``.

    ``metric="haversine"`` reads points as degrees; ``metric="euclidean"`` reads ``lng`` as x and ``lat`` as y in
    metres. Seconds are rounded up so that a plan built on them is never optimistic.
    """

    road_factor: float = 1.3
    speed_kmh: float = 30.0
    metric: str = "haversine"

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        lat = np.array([p.lat for p in points], dtype=float)
        lng = np.array([p.lng for p in points], dtype=float)
        if self.metric == "haversine":
            phi, lam = np.radians(lat), np.radians(lng)
            dphi = phi[:, None] - phi[None, :]
            dlam = lam[:, None] - lam[None, :]
            a = np.sin(dphi / 2) ** 2 + np.cos(phi)[:, None] * np.cos(phi)[None, :] * np.sin(dlam / 2) ** 2
            straight = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        elif self.metric == "euclidean":
            straight = np.hypot(lng[:, None] - lng[None, :], lat[:, None] - lat[None, :])
        else:
            raise ValueError(f"unknown metric {self.metric!r}")
        road = straight * self.road_factor
        metres = np.rint(road).astype(np.int64)
        seconds = np.ceil(road / (self.speed_kmh / 3.6)).astype(np.int64)
        np.fill_diagonal(metres, 0)
        np.fill_diagonal(seconds, 0)
        return TravelMatrix(seconds=seconds, metres=metres)


Transport = Callable[[str, float], bytes]


def urllib_transport(url: str, timeout: float) -> bytes:
    """Plain HTTP GET; the default transport of ``OsrmTableTravel``."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - URL built from configured base
        return response.read()


@dataclass
class OsrmTableTravel:
    """Adapter for OSRM's table service: ``GET {base_url}/table/v1/{profile}/{lng,lat;...}``.

    Asks for ``annotations=duration,distance`` and returns them rounded up to whole seconds / metres. OSRM limits a
    table request to ``max-table-size`` coordinates (default 100), so large matrices are fetched in blocks of
    ``max_locations // 2`` sources x ``max_locations // 2`` destinations. Unreachable pairs (``null``) become
    ``UNREACHABLE_SECONDS`` so the solver never uses them. ``transport(url, timeout) -> bytes`` does the HTTP call;
    inject a fake one in tests.
    """

    base_url: str
    profile: str = "driving"
    max_locations: int = 100
    timeout: float = 30.0
    transport: Transport = urllib_transport

    def matrix(self, points: Sequence[Point]) -> TravelMatrix:
        n = len(points)
        seconds = np.zeros((n, n), dtype=np.int64)
        metres = np.zeros((n, n), dtype=np.int64)
        if n == 0:
            return TravelMatrix(seconds=seconds, metres=metres)
        if n <= self.max_locations:
            blocks = [(list(range(n)), list(range(n)))]
        else:
            step = max(1, self.max_locations // 2)
            chunks = [list(range(i, min(i + step, n))) for i in range(0, n, step)]
            blocks = [(src, dst) for src in chunks for dst in chunks]
        for src, dst in blocks:
            dur, dist = self._table(points, src, dst)
            seconds[np.ix_(src, dst)] = dur
            metres[np.ix_(src, dst)] = dist
        np.fill_diagonal(seconds, 0)
        np.fill_diagonal(metres, 0)
        return TravelMatrix(seconds=seconds, metres=metres)

    def table_url(self, points: Sequence[Point], sources: list[int], destinations: list[int]) -> str:
        if sources == destinations:
            coords, query = [points[i] for i in sources], {}
        else:
            coords = [points[i] for i in sources] + [points[i] for i in destinations]
            query = {
                "sources": ";".join(str(i) for i in range(len(sources))),
                "destinations": ";".join(str(len(sources) + i) for i in range(len(destinations))),
            }
        path = ";".join(f"{p.lng:.6f},{p.lat:.6f}" for p in coords)
        query["annotations"] = "duration,distance"
        return f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{path}?{urllib.parse.urlencode(query, safe=';,')}"

    def _table(self, points: Sequence[Point], sources: list[int], destinations: list[int]):
        body = json.loads(self.transport(self.table_url(points, sources, destinations), self.timeout))
        if body.get("code") != "Ok":
            raise OsrmError(f"OSRM table failed: {body.get('code')}: {body.get('message', '')}")
        dur = _cells(body["durations"], len(sources), len(destinations), UNREACHABLE_SECONDS)
        if "distances" in body:
            dist = _cells(body["distances"], len(sources), len(destinations), UNREACHABLE_SECONDS)
        else:  # old servers ignore annotations=distance
            dist = np.zeros_like(dur)
        return dur, dist


class OsrmError(RuntimeError):
    pass


def _cells(rows, n_src: int, n_dst: int, missing: int) -> np.ndarray:
    if len(rows) != n_src or any(len(r) != n_dst for r in rows):
        raise OsrmError("OSRM table has the wrong shape")
    return np.array([[missing if v is None else math.ceil(v) for v in row] for row in rows], dtype=np.int64)
