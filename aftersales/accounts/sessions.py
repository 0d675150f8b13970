"""The web session and its user, read with lookups compiled once (issue 12).

Every signed-in page reads its session row by key and its user by primary key; Django compiles
both queries again on every request, which cost the web worker more than PostgreSQL spends
running them. ``SessionStore`` (``SESSION_ENGINE``) and ``UserBackend`` (in
``AUTHENTICATION_BACKENDS``) read the same rows through ``core.compiled`` and decide as
Django's database session store and ``ModelBackend`` do; every write is theirs, unchanged.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from aftersales.core.compiled import CompiledLookup

from .models import User

_SESSION_BY_KEY = CompiledLookup(lambda key: Session.objects.filter(session_key=key).order_by(), (str,))
_USER_BY_PK = CompiledLookup(lambda pk: User._default_manager.filter(pk=pk).order_by())


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        session = _SESSION_BY_KEY.first(key) if isinstance(key, str) else None
        if session is None or session.expire_date <= timezone.now():  # as Django's: expire_date > now
            self._session_key = None
            return None
        return session


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        user = _USER_BY_PK.first(user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
        return user if user is not None and self.user_can_authenticate(user) else None
