"""The one state-machine helper (``core.states``) and the rule that nothing else assigns ``.status``."""

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from aftersales.core.errors import PermissionDeniedError, ValidationFailed
from aftersales.core.states import IllegalTransition, Transition, transition_allowed, transition_apply, transitions

TABLE = transitions(
    Transition("start", {"new"}, "running"),
    Transition("stop", {"running"}, "stopped", roles={"manager"}, reason_required=True),
    Transition("back", {"paused"}, None),
)


class _Actor(SimpleNamespace):
    def has_role(self, *roles):
        return self.role in roles


def test_legal_move_assigns_and_returns_before_after():
    obj = SimpleNamespace(status="new")
    assert transition_apply(obj, TABLE, "start") == ("new", "running")
    assert obj.status == "running"


def test_illegal_move_raises_and_changes_nothing():
    obj = SimpleNamespace(status="stopped")
    with pytest.raises(IllegalTransition) as exc:
        transition_apply(obj, TABLE, "start")
    assert obj.status == "stopped"
    assert exc.value.status == 409 and exc.value.code == "illegal_transition"
    assert "stopped" in str(exc.value.message) and "start" in str(exc.value.message)


def test_unknown_action_is_a_validation_error():
    with pytest.raises(ValidationFailed):
        transition_apply(SimpleNamespace(status="new"), TABLE, "fly")


def test_reason_required():
    obj = SimpleNamespace(status="running")
    with pytest.raises(ValidationFailed) as exc:
        transition_apply(obj, TABLE, "stop", reason="  ")
    assert "reason" in exc.value.fields and obj.status == "running"
    assert transition_apply(obj, TABLE, "stop", reason="broken") == ("running", "stopped")


def test_roles_checked_when_asked():
    obj = SimpleNamespace(status="running")
    with pytest.raises(PermissionDeniedError):
        transition_apply(obj, TABLE, "stop", reason="x", actor=_Actor(role="clerk"), check_roles=True)
    assert transition_allowed(obj, TABLE, "stop", actor=_Actor(role="manager"))
    assert not transition_allowed(obj, TABLE, "stop", actor=_Actor(role="clerk"))
    assert not transition_allowed(obj, TABLE, "start")


def test_explicit_target_and_other_field():
    obj = SimpleNamespace(state="paused")
    assert transition_apply(obj, TABLE, "back", field="state", target="running") == ("paused", "running")
    assert obj.state == "running"


def test_model_labels_in_the_message():
    from aftersales.dispatch.choices import OFFER_TRANSITIONS, OfferStatus
    from aftersales.dispatch.models import DispatchOffer

    offer = DispatchOffer(status=OfferStatus.DECLINED)
    with pytest.raises(IllegalTransition) as exc:
        transition_apply(offer, OFFER_TRANSITIONS, "accept")
    assert str(OfferStatus.DECLINED.label) in str(exc.value.message)


# --- nothing but the helper assigns a status ------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]  # aftersales/
ASSIGN = re.compile(r"\.status\s*=(?!=)|setattr\([^,]+,\s*[\"']status[\"']")
# errors.py: ``self.status`` there is the HTTP status code of an error, not a lifecycle.
ALLOWED = {Path("core/states.py"), Path("core/errors.py")}


def test_no_status_assignment_outside_the_helper():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel in ALLOWED or "tests" in rel.parts or "migrations" in rel.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if ASSIGN.search(line.split("#", 1)[0]):
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == [], "assign statuses with core.states.transition_apply:\n" + "\n".join(offenders)
