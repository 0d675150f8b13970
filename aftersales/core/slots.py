"""Slots: how an app lets the apps above it add to its pages and rules without importing them.

Dependencies point down (the layers contract in ``pyproject.toml``): ``catalog`` may not import
``field``, yet the unit page shows field's 三包 counters. So the lower app declares a slot in its
``slots.py`` and the app above fills it from its ``AppConfig.ready()``:

    # catalog/slots.py
    UNIT_SIDE = Slot("catalog.unit.side", "Panels under the unit's warranty: fn(request, unit) -> HTML")

    # field/apps.py, in ready()
    UNIT_SIDE.add(panel("field/_unit_sanbao.html", unit_sanbao_context), order=30)

    # catalog/views.py
    context["side_panels"] = UNIT_SIDE.render(request, unit)     # {% for html in side_panels %}{{ html }}{% endfor %}

A slot holds plain functions: ``call`` runs them in order and returns their answers (a rule, such as
"how many requests count for this customer's tier", sums them); ``render`` keeps the non-empty HTML.
``panel(template, context)`` makes such a function from a template and a context function that
returns None when there is nothing to show. Registering the same function twice keeps one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass
class Slot:
    name: str
    doc: str = ""
    _items: list[tuple[int, str, Callable]] = field(default_factory=list, repr=False)

    def add(self, fn: Callable, *, order: int = 100, key: str | None = None) -> Callable:
        """Plug ``fn`` in (lower ``order`` first). ``key`` (default: the function's qualified name)
        makes registering twice harmless."""
        key = key or f"{fn.__module__}.{getattr(fn, '__qualname__', repr(fn))}"
        self._items = [item for item in self._items if item[1] != key]
        self._items.append((order, key, fn))
        self._items.sort(key=lambda item: (item[0], item[1]))
        return fn

    def remove(self, key: str) -> None:
        self._items = [item for item in self._items if item[1] != key]

    def functions(self) -> list[Callable]:
        return [fn for _order, _key, fn in self._items]

    def call(self, *args, **kwargs) -> list[Any]:
        """Every function's answer, in order."""
        return [fn(*args, **kwargs) for fn in self.functions()]

    def render(self, *args, **kwargs) -> list[SafeString]:
        """The HTML of every panel that has something to show, in order."""
        return [mark_safe(html) for html in self.call(*args, **kwargs) if html]  # noqa: S308 - rendered templates


def panel(template: str, context: Callable[..., dict | None]) -> Callable[..., str]:
    """A slot function rendering ``template`` with ``context(request, obj, **kwargs)``; nothing when
    the context function returns None. The HTTP request must be the first argument."""

    def render(request, *args, **kwargs) -> str:
        data = context(request, *args, **kwargs)
        if data is None:
            return ""
        return render_to_string(template, data, request=request)

    render.__module__ = context.__module__
    render.__qualname__ = f"panel:{template}:{context.__qualname__}"
    return render


def pk_in_any(id_querysets) -> Q:
    """A filter for rows whose primary key is in any of ``id_querysets`` (the answers of a scope slot;
    None answers are skipped). No answer at all matches nothing."""
    condition = Q(pk__in=[])
    for ids in id_querysets:
        if ids is not None:
            condition |= Q(pk__in=ids)
    return condition
