"""Signal receivers, connected in DispatchConfig.ready()."""

from __future__ import annotations

# A request becomes dispatchable when it is acknowledged or reopened.
DISPATCH_ON = frozenset({"acknowledge", "reopen"})


def on_request_changed(sender, request_id: int, kind: str, action: str = "", **kwargs) -> None:
    """Auto-assign policy: the work runs on the Huey worker (inline in tests). The signal is sent on commit."""
    if kind != "transition" or action not in DISPATCH_ON:
        return
    from .tasks import dispatch_auto_task

    dispatch_auto_task(request_id, False)
