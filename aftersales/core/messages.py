"""Text written by the system, stored as a message key with parameters and rendered in
the reader's language (timeline notes, notifications, e-mails).

Each app registers its own kinds in ``<app>/messages.py`` (imported by
``CoreConfig.ready()``; no central list names every producer)::

    from django.utils.translation import gettext_lazy as _
    from aftersales.core.messages import Choice, Duration, LocalTime, register

    register(
        "sla.warning",
        text=_("%(target)s: warning, due at %(due)s (%(left)s left)."),
        subject=_("[%(number)s] SLA warning"),   # e-mail subject (optional)
        label=_("SLA warning"),                  # the kind's name in the inbox (optional)
        icon="bi-hourglass-split text-warning",  # Bootstrap icon classes (optional)
        params={"target": Choice(TargetKind), "due": LocalTime(), "left": Duration()},
    )

A message is ``Message(key, params)`` (``msg("sla.warning", target="arrival", ...)``);
``str(message)`` and ``render(key, params, language)`` give the text in a language.
Params are stored raw (JSON) and formatted when shown: a choice value through its
label (``Choice``), seconds as a duration (``Duration``), an ISO time in local time
(``LocalTime``), a known default name through the catalog (``Known``); a nested message
(``{"key": ..., "params": ...}``) or a list of them renders in the same language. A
string given where a formatter expects a raw value is shown as it is (rows migrated from
frozen text). Unknown keys and broken params render a safe fallback, never an error.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.encoding import force_str
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# Free text (a person's words, or old text that could not be recognised): shown as is.
LITERAL = "core.text"
# A param holding text frozen before this registry existed, that a migration could not
# recognise: shown as it is, under its kind's label and icon.
LEGACY_TEXT = "_text"


# --- param formatters ----------------------------------------------------------------


class Param:
    """Formats one stored parameter value in the active language."""

    def format(self, value: Any) -> str:
        return _plain(value)

    def parse(self, text: str) -> Any:
        """Back from text written in some language to the stored value (data migrations)."""
        return text


class Choice(Param):
    """A ``TextChoices`` value, shown through its label."""

    def __init__(self, choices):
        self.choices = choices

    def format(self, value):
        try:
            return force_str(self.choices(value).label)
        except ValueError:
            return _plain(value)

    def parse(self, text):
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for member in self.choices:
                    if force_str(member.label) == text:
                        return member.value
        return text


class Duration(Param):
    """A number of seconds as "2 d 3 h" / "3 h 20 min" / "12 min"."""

    def format(self, value):
        if isinstance(value, int | float):
            return duration_text(dt.timedelta(seconds=value))
        return _plain(value)


class LocalTime(Param):
    """An aware datetime (stored as ISO text) in local time."""

    def __init__(self, fmt: str = "%Y-%m-%d %H:%M"):
        self.fmt = fmt

    def format(self, value):
        moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value or ""))
        if moment is None or timezone.is_naive(moment):
            return _plain(value)
        return timezone.localtime(moment).strftime(self.fmt)


class Known(Param):
    """Data that is usually one of a few default names (marked with ``gettext_noop``):
    those are translated, anything an administrator typed is shown as it is."""

    def __init__(self, names: Iterable[str], aliases: Mapping[str, str] | None = None):
        self.names = frozenset(names)
        # Older spellings of the default names (recognised by ``parse``).
        self.aliases = dict(aliases or {})

    def format(self, value):
        text = _plain(value)
        return gettext(text) if text in self.names else text

    def parse(self, text):
        if text in self.aliases:
            return self.aliases[text]
        for name in self.names:
            for language, _name in settings.LANGUAGES:
                with translation.override(language):
                    if gettext(name) == text:
                        return name
        return text


def known_name(value: str, names: Iterable[str]) -> str:
    """``value`` translated if it is one of the default ``names``, else as it is."""
    return Known(names).format(value)


def duration_text(value: dt.timedelta | None) -> str:
    """The absolute length of ``value`` in at most two units (rounded down to the minute)."""
    if value is None:
        return ""
    minutes = int(abs(value.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return gettext("%(d)d d %(h)d h") % {"d": days, "h": hours} if hours else gettext("%(d)d d") % {"d": days}
    if hours:
        return gettext("%(h)d h %(m)d min") % {"h": hours, "m": mins} if mins else gettext("%(h)d h") % {"h": hours}
    return gettext("%(m)d min") % {"m": mins}


def render_value(value, language: str | None = None) -> str:
    """A stored message (``{"key", "params"}``), a list of them (joined the way the
    language lists things) or plain text, in ``language`` (default: the active one)."""
    if language:
        with translation.override(language):
            return _plain(value)
    return _plain(value)


def _plain(value) -> str:
    if isinstance(value, Mapping) and "key" in value:
        return _render(str(value["key"]), value.get("params") or {})
    if isinstance(value, list | tuple):
        return pgettext("list separator", "; ").join(_plain(v) for v in value)
    if value is None:
        return ""
    return force_str(value)


# --- the registry ------------------------------------------------------------------------


@dataclass(frozen=True)
class MessageKind:
    key: str
    text: Any  # lazy translatable text with %(name)s params
    subject: Any = None
    label: Any = None
    icon: str = "bi-info-circle"
    params: Mapping[str, Param] = field(default_factory=dict)
    # Data migrations may recognise old frozen text of this kind (off for literal text).
    parse: bool = True


_REGISTRY: dict[str, MessageKind] = {}


def register(
    key: str,
    *,
    text,
    subject=None,
    label=None,
    icon: str = "bi-info-circle",
    params: Mapping[str, Param] | None = None,
    parse: bool = True,
) -> MessageKind:
    """Add a message kind. Keys are "<app>.<name>"; registering a key twice with another
    text is a programming error."""
    kind = MessageKind(key, text, subject, label, icon, dict(params or {}), parse)
    old = _REGISTRY.get(key)
    if old is not None:
        with translation.override(None):  # compare the source texts
            if force_str(old.text) != force_str(text):
                raise ValueError(f"Message kind {key!r} is already registered with another text.")
    _REGISTRY[key] = kind
    return kind


def kind_get(key: str) -> MessageKind | None:
    return _REGISTRY.get(key)


def kinds() -> list[MessageKind]:
    return sorted(_REGISTRY.values(), key=lambda k: k.key)


def kinds_discover() -> None:
    """Import ``messages`` of every Aftersales app (called by ``CoreConfig.ready()``)."""
    from importlib import import_module

    from django.apps import apps
    from django.utils.module_loading import module_has_submodule

    for config in apps.get_app_configs():
        if config.name.startswith("aftersales.") and module_has_submodule(config.module, "messages"):
            import_module(f"{config.name}.messages")


# --- messages and rendering -------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    """A message to store: its kind and raw params (JSON-able). ``str()`` renders it in
    the active language, so it also works where text was expected."""

    key: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self.key, self.params)

    def render(self, language: str | None = None) -> str:
        return render(self.key, self.params, language)

    def as_dict(self) -> dict:
        return {"key": self.key, "params": self.params}


def msg(key: str, **params) -> Message:
    """``msg("field.checked_in", visit="SF2026-000001", n=1)``; the key must be registered."""
    if key not in _REGISTRY:
        raise LookupError(f"Unknown message kind {key!r}: register it in its app's messages.py.")
    return Message(key, params_jsonable(params))


def literal(text: str) -> Message:
    """Free text kept as it is (a person's words)."""
    return Message(LITERAL, {"text": str(text)})


def text_columns(value, text_field: str) -> dict:
    """The columns of a row whose text is a person's words (stored as text in ``text_field``)
    or a system ``Message`` (stored as ``message`` key + ``params``, rendered for the reader)."""
    if isinstance(value, Message):
        return {text_field: "", "message": value.key, "params": value.params}
    return {text_field: value or "", "message": "", "params": {}}


def params_jsonable(value):
    """Params as stored (JSON): datetimes as ISO text, durations as seconds, messages nested."""
    if isinstance(value, Message):
        return value.as_dict()
    if isinstance(value, Mapping):
        return {str(k): params_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [params_jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds())
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return force_str(value)  # lazy text, Decimal, enum members: as text


class _Params(dict):
    def __missing__(self, key):
        return "…"


def _render(key: str, params: Mapping, text_attr: str = "text") -> str:
    kind = _REGISTRY.get(key)
    params = params if isinstance(params, Mapping) else {}
    if kind is None:
        if "text" in params:
            return _plain(params["text"])
        logger.warning("Unknown message kind %r.", key)
        return " ".join([key, *(f"{k}={_plain(v)}" for k, v in params.items())]).strip()
    if LEGACY_TEXT in params:
        return _plain(params[LEGACY_TEXT])
    template = getattr(kind, text_attr)
    if template is None:
        return ""
    values = _Params()
    for name, value in params.items():
        formatter = kind.params.get(name)
        try:
            values[name] = formatter.format(value) if formatter is not None else _plain(value)
        except Exception:  # noqa: BLE001 - a bad stored value must not break a page
            logger.warning("Message %s: param %s could not be formatted.", key, name, exc_info=True)
            values[name] = _plain(value)
    try:
        return force_str(template) % values
    except (TypeError, ValueError, KeyError):
        # e.g. "%(n)d" given text: format every param as text instead of failing.
        loose = re.sub(r"%\((\w+)\)[di]", r"%(\1)s", force_str(template))
        try:
            return loose % values
        except (TypeError, ValueError, KeyError):
            logger.warning("Message %s could not be rendered.", key, exc_info=True)
            return force_str(template)


def render(key: str, params: Mapping | None = None, language: str | None = None) -> str:
    """The message's text in ``language`` (default: the active one)."""
    if language:
        with translation.override(language):
            return _render(key, params or {})
    return _render(key, params or {})


def render_subject(key: str, params: Mapping | None = None, language: str | None = None) -> str:
    """The e-mail subject: the kind's subject, else its label, else the text's first line."""
    with translation.override(language or translation.get_language() or settings.LANGUAGE_CODE):
        kind = _REGISTRY.get(key)
        if kind is not None and kind.subject is not None:
            return _render(key, params or {}, "subject")
        if kind is not None and kind.label is not None:
            return force_str(kind.label)
        return _render(key, params or {}).split("\n", 1)[0][:120]


def kind_label(key: str) -> str:
    kind = _REGISTRY.get(key)
    return force_str(kind.label) if kind is not None and kind.label is not None else gettext("Information")


def kind_icon(key: str) -> str:
    kind = _REGISTRY.get(key)
    return kind.icon if kind is not None else "bi-info-circle"


# --- recognising old frozen text (data migrations) -----------------------------------------


def _pattern(template: str) -> re.Pattern | None:
    out, seen, pos = [], set(), 0
    for m in re.finditer(r"%\((\w+)\)([sdi])|%%", template):
        out.append(re.escape(template[pos : m.start()]))
        pos = m.end()
        if m.group(0) == "%%":
            out.append("%")
            continue
        name, conv = m.group(1), m.group(2)
        if name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>-?\\d+)" if conv in "di" else f"(?P<{name}>.+?)")
    out.append(re.escape(template[pos:]))
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error:
        return None


_PATTERNS: dict[tuple[str, str], tuple[str, re.Pattern | None]] = {}


def _compiled(kind: MessageKind, language: str) -> tuple[str, re.Pattern | None]:
    cached = _PATTERNS.get((kind.key, language))
    if cached is None:
        with translation.override(language):
            template = force_str(kind.text)
        cached = _PATTERNS[(kind.key, language)] = (template, _pattern(template))
    return cached


def message_parse(text: str, keys: Iterable[str] | None = None) -> Message | None:
    """The message some old frozen ``text`` was rendered from (in any of the site's
    languages), with its params turned back into stored values where possible; None if
    no registered kind matches. The longest (most specific) template wins."""
    text = (text or "").strip()
    if not text:
        return None
    candidates = [_REGISTRY[k] for k in keys if k in _REGISTRY] if keys is not None else list(_REGISTRY.values())
    best: tuple[int, Message] | None = None
    for kind in candidates:
        if not kind.parse:
            continue
        for language, _name in settings.LANGUAGES:
            template, pattern = _compiled(kind, language)
            match = pattern.fullmatch(text) if pattern else None
            if match is None:
                continue
            params = {}
            for name, value in match.groupdict().items():
                formatter = kind.params.get(name)
                if re.search(rf"%\({name}\)[di]", template):
                    params[name] = int(value)
                else:
                    params[name] = formatter.parse(value) if formatter is not None else value
            score = len(re.sub(r"%\(\w+\)[sdi]", "", template))
            if best is None or score > best[0]:
                best = (score, Message(kind.key, params))
    return best[1] if best else None


register(LITERAL, text=_("%(text)s"), parse=False)
