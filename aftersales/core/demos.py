"""Demo data, owned by the apps: ``manage.py demo_data`` finds each app's ``demo`` module and runs it.

Core names no app. Every installed app may have a ``<app>/demo.py`` with:

    DEMO_ORDER = 40                     # required: it runs after every app with a lower number
                                        # (number an app above the apps it uses, as in the layers)
    def demo_reference(ctx) -> None     # optional: reference data, idempotent (both modes)
    def demo_load(ctx) -> None          # optional: the demo set (``demo_data``)
    def demo_bulk(ctx) -> None          # optional: scale mode (``demo_data --requests N``: ``ctx.scale``)
    def demo_present() -> bool          # optional: its data is there already (``demo_data --if-empty``)
    def demo_finish(ctx) -> None        # optional: after every app's demo set (e.g. what people have read)

``demo_run`` first calls every ``demo_reference``, then every ``demo_load`` (or ``demo_bulk`` in scale
mode), each in ``DEMO_ORDER``, then every ``demo_finish`` (not in scale mode) in reverse order: the
higher apps finish first, so a lower app's finish sees what they did. ``demo_reference`` and ``demo_load`` run in one transaction each;
``demo_bulk`` commits in batches of its own. An app leaves what the apps above need in ``ctx.data``
under a key its module documents (``accounts`` leaves the users, ``customers`` the regions and
customers ...); apps find anything else by its natural key (a username, a region code).
Demo only: the passwords are public; never load demo data into a production database.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import module_has_submodule
from tqdm import tqdm


@dataclass
class DemoContext:
    seed: int | None = 2026  # None: a different data set each time
    scale: int | None = None  # scale mode: how many service requests to add in bulk
    options: dict[str, Any] = field(default_factory=dict)  # sizes and switches an app documents
    quiet: bool = True  # no progress bars
    log: Callable[[str], None] = lambda message: None
    data: dict[str, Any] = field(default_factory=dict)  # what the apps below made, for the apps above

    def rng(self, label: str) -> random.Random:
        """A generator of its own for each app (``label``): repeatable with a seed."""
        return random.Random(None if self.seed is None else f"{self.seed}:{label}")

    def option(self, name: str, default):
        return self.options.get(name, default)

    def bar(self, total: int, desc: str, **kwargs) -> tqdm:
        return tqdm(total=total, desc=desc, disable=self.quiet, **kwargs)


@dataclass(frozen=True)
class DemoApp:
    label: str
    module: ModuleType

    @property
    def order(self) -> int:
        return self.module.DEMO_ORDER


def demo_apps() -> list[DemoApp]:
    """The installed apps with a ``demo`` module, in ``DEMO_ORDER``."""
    found = []
    for config in apps.get_app_configs():
        if not module_has_submodule(config.module, "demo"):
            continue
        module = importlib.import_module(f"{config.name}.demo")
        if not isinstance(getattr(module, "DEMO_ORDER", None), int):
            raise ImproperlyConfigured(f"{config.name}.demo must set DEMO_ORDER (an int).")
        found.append(DemoApp(config.label, module))
    return sorted(found, key=lambda app: app.order)


def demo_present() -> bool:
    """True when any app says its data is there already."""
    return any(app.module.demo_present() for app in demo_apps() if hasattr(app.module, "demo_present"))


def demo_run(ctx: DemoContext, *, only: Collection[str] | None = None, reference_only: bool = False) -> list[str]:
    """Run the demo of every app (or of the app labels in ``only``); return the labels that ran."""
    chosen = [app for app in demo_apps() if only is None or app.label in only]
    for app in chosen:
        if hasattr(app.module, "demo_reference"):
            with transaction.atomic():
                app.module.demo_reference(ctx)
    if not reference_only:
        for app in chosen:
            if ctx.scale is not None:
                if hasattr(app.module, "demo_bulk"):
                    app.module.demo_bulk(ctx)
            elif hasattr(app.module, "demo_load"):
                with transaction.atomic():
                    app.module.demo_load(ctx)
        if ctx.scale is None:
            for app in reversed(chosen):
                if hasattr(app.module, "demo_finish"):
                    with transaction.atomic():
                        app.module.demo_finish(ctx)
    return [app.label for app in chosen]


def weighted(rng: random.Random, weights: dict):
    """One key of ``weights`` ({choice: weight}), drawn by weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]
