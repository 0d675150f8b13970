"""The one system account: the actor of everything the platform does on its own (SLA escalation,
automatic dispatch and offer timeouts, a customer's answer through a consent link), so the
timeline and the audit log say who acted.

A manager (back-office role: may assign and change priority), inactive and without a usable
password, so nobody can log in as it. Created by migration sla 0005 and recreated here if
someone deleted it.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from .choices import Role
from .models import User

SYSTEM_USERNAME = "system"


def system_user() -> User:
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            user = User(username=SYSTEM_USERNAME, role=Role.MANAGER, is_active=False, first_name="系统")
            user.set_unusable_password()
            user.save()
    except IntegrityError:  # created concurrently: use that one
        user = User.objects.get(username=SYSTEM_USERNAME)
    return user
