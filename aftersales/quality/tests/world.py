"""The quality app's objects in the route × role matrix world (``core/tests/world.py``): one case
of the library (shared by the quality team and the managers), and an inspection of the own and of
the foreign technician's visit, each with a corrective action owned by its technician."""

import datetime as dt

from django.utils import timezone

from aftersales.accounts.choices import Role


def world_extend(w) -> None:
    from aftersales.quality.services import case_create, corrective_action_add, inspection_create

    manager = w.users[Role.MANAGER]
    w.share(
        "quality_case",
        case_create(
            actor=manager,
            title="热水器底部漏水",
            kind="bad",
            summary="安装后漏水",
            lessons="试水十分钟",
            request=w.objects["request"]["own"],
        ),
    )
    visits = w.objects["visit"]
    inspections = {k: inspection_create(actor=manager, visit=visits[k]) for k in ("own", "foreign")}
    w.put("inspection", **inspections)
    w.put(
        "corrective",
        **{
            k: corrective_action_add(
                actor=manager,
                inspection=i,
                text="重新培训上门规范",
                owner=i.technician,
                due_date=timezone.localdate() + dt.timedelta(days=7),
            )
            for k, i in inspections.items()
        },
    )
