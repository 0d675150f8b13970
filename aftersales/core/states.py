"""The one state-machine helper: every status in the system moves through ``transition_apply``.

Each app declares its tables in its ``choices.py``::

    OFFER_TRANSITIONS = transitions(
        Transition("accept", {OfferStatus.PENDING}, OfferStatus.ACCEPTED),
        Transition("decline", {OfferStatus.PENDING}, OfferStatus.DECLINED, reason_required=True),
    )

and its services apply them::

    before, after = transition_apply(offer, OFFER_TRANSITIONS, "accept")
    offer.save(update_fields=["status", ...])      # then record (audit/timeline) and emit, as before

``transition_apply`` checks (known action, the object's current value is a source, the actor's role
when asked, a reason when the step needs one), assigns the field and returns ``(before, after)``; the
calling service saves, records and emits. An illegal move raises ``IllegalTransition`` (409) naming the
labels and changes nothing. No code outside this module assigns ``.status`` (a test greps for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from .errors import PermissionDeniedError, ValidationFailed


class IllegalTransition(ValidationFailed):
    code = "illegal_transition"
    status = 409
    default_message = _("This step is not possible in the current state.")


@dataclass(frozen=True)
class Transition:
    """``action`` may move an object from any of ``sources`` to ``target`` (None: the caller says
    where, e.g. "back to the status before the pause"). ``roles`` empty: anyone the service lets in."""

    action: str
    sources: frozenset
    target: str | None
    roles: frozenset = field(default_factory=frozenset)
    reason_required: bool = False

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))
        object.__setattr__(self, "roles", frozenset(self.roles))


def transitions(*items: Transition) -> dict[str, Transition]:
    """A table: action -> Transition."""
    return {t.action: t for t in items}


def _label(obj, field_name: str, value) -> str:
    try:
        choices = dict(obj._meta.get_field(field_name).flatchoices)
    except Exception:  # noqa: BLE001 - not a model field: show the raw value
        choices = {}
    return str(choices.get(value, getattr(value, "label", value)))


def _action_label(action) -> str:
    return str(getattr(action, "label", action))


def transition_allowed(obj, table: dict[str, Transition], action: str, *, actor=None, field: str = "status") -> bool:
    """Would ``transition_apply`` accept this move (source and, given an actor, role)?"""
    t = table.get(action)
    if t is None or getattr(obj, field) not in t.sources:
        return False
    return actor is None or not t.roles or actor.has_role(*t.roles)


def transition_apply(
    obj,
    table: dict[str, Transition],
    action: str,
    *,
    actor=None,
    field: str = "status",
    target: str | None = None,
    reason=None,
    check_roles: bool = False,
    illegal_message: str | None = None,
) -> tuple[str, str]:
    """Check and assign one move of ``obj.<field>``; returns ``(before, after)``. Nothing is saved.

    ``target`` is required when the table's target is None and ignored otherwise. ``reason`` is only
    checked (present when the step needs one). ``illegal_message`` (with ``%(status)s`` and
    ``%(action)s``) replaces the default wording of an illegal move."""
    t = table.get(action)
    if t is None:
        raise ValidationFailed(_("Unknown action."), fields={"action": [_("Unknown action.")]})
    if check_roles and t.roles and (actor is None or not actor.has_role(*t.roles)):
        raise PermissionDeniedError(_("Your role cannot %(action)s.") % {"action": _action_label(action)})
    before = getattr(obj, field)
    if before not in t.sources:
        message = illegal_message or _("“%(status)s” cannot be moved with “%(action)s”.")
        raise IllegalTransition(
            message % {"status": _label(obj, field, before), "action": _action_label(action)},
            extra={"status": str(before), "action": str(action)},
        )
    if t.reason_required and not (str(reason).strip() if reason is not None else ""):
        raise ValidationFailed(_("Give a reason."), fields={"reason": [_("A reason is required for this step.")]})
    after = t.target if t.target is not None else target
    if after is None:
        raise ValueError(f"transition {action!r} needs an explicit target")
    setattr(obj, field, after)
    return before, after
