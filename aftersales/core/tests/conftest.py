"""The permission world, built once per test module (it takes a few seconds) inside a transaction
that is rolled back when the module is done; each test runs in its own savepoint on top of it."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test.utils import override_settings

WORLD_SETTINGS = {
    "LANGUAGE_CODE": "en",
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from .world import build_world

    media = tmp_path_factory.mktemp("world-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, **WORLD_SETTINGS):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build_world()
            w.media_root = media
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
