from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from aftersales.core.audit import audit_record
from aftersales.core.errors import PermissionDeniedError, ValidationFailed

from .choices import OrganizationKind, Role
from .models import ApiToken, Organization, User


@transaction.atomic
def organization_create(*, actor, name: str, kind: str, phone: str = "") -> Organization:
    if kind not in OrganizationKind.values:
        raise ValidationFailed(fields={"kind": [f"{kind!r}"]})
    org = Organization.objects.create(name=name, kind=kind, phone=phone)
    audit_record(actor=actor, action="organization.create", obj=org, changes={"name": [None, name]})
    return org


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    role: str,
    organization: Organization | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    is_staff: bool = False,
) -> User:
    if role not in Role.values:
        raise ValidationFailed(fields={"role": [f"{role!r}"]})
    if role != Role.CUSTOMER and organization is None:
        raise ValidationFailed(fields={"organization": ["required for staff"]})
    if role == Role.PARTNER and organization.kind != OrganizationKind.PARTNER:
        raise ValidationFailed(fields={"organization": ["partner staff belong to a partner"]})
    user = User.objects.create_user(
        username=username,
        password=password,
        role=role,
        organization=organization,
        first_name=first_name,
        last_name=last_name,
        email=email,
        phone=phone,
        is_staff=is_staff or role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    audit_record(actor=actor, action="user.create", obj=user, changes={"role": [None, role]})
    return user


@transaction.atomic
def api_token_create(*, actor, user: User, name: str, expires_at=None) -> tuple[ApiToken, str]:
    """Create a token; returns (token, secret). The secret is shown once and never stored."""
    if actor != user and not actor.has_role(Role.ADMIN):
        raise PermissionDeniedError()
    secret = "as_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[3:11], digest=ApiToken.digest_of(secret), expires_at=expires_at
    )
    audit_record(actor=actor, action="api_token.create", obj=token, changes={"name": [None, name]})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor, token: ApiToken) -> ApiToken:
    if actor != token.user and not actor.has_role(Role.ADMIN):
        raise PermissionDeniedError()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    audit_record(actor=actor, action="api_token.revoke", obj=token)
    return token
