"""The returns objects of the permission tests' world (``core/tests/world.py`` calls ``world_extend``):
an RMA for each side — our own unit's, the partner's (handled by the partner organization) and a
foreign one — each with its eligibility checked; the default policy is shared."""

from __future__ import annotations

from aftersales.accounts.choices import Role


def world_extend(w) -> None:
    from aftersales.returns import services
    from aftersales.returns.models import ReturnPolicy

    agent = w.users[Role.AGENT]
    units = {side: w.objects["unit"][side] for side in ("own", "partner", "foreign")}
    rmas = {}
    for side, unit in units.items():
        rma = services.rma_create(
            actor=agent,
            unit=unit,
            reason="fault",
            description="冰箱不制冷",
            organization=w.extra["partner_org"] if side == "partner" else None,
        )
        rmas[side] = services.rma_check(actor=agent, rma=rma)
    w.put("rma", **rmas)
    w.share("rma_token", rmas["own"])
    w.share("return_policy", ReturnPolicy.objects.get(product_category=None))
