"""The route matrix's world (``core/tests/world.py``) gets feedback's objects here."""

from .factories import world_feedback


def world_extend(world) -> None:
    world_feedback(world)
