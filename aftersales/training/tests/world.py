"""The training app's objects in the route × role matrix world (``core/tests/world.py``): one course and
one planned session (shared by the training roles); people's records use the world's technicians."""

import datetime as dt

from django.utils import timezone

from aftersales.accounts.choices import Role


def world_extend(w) -> None:
    from aftersales.training.services import course_create, session_plan

    manager = w.users[Role.MANAGER]
    course = course_create(actor=manager, title="服务理念集体学习", kind="philosophy", audience=["technician"])
    w.share("training_course", course)
    w.share(
        "training_session",
        session_plan(actor=manager, course=course, starts_at=timezone.now() + dt.timedelta(days=3), place="培训室"),
    )
