from __future__ import annotations

from django.utils import timezone

from aftersales.core.compiled import CompiledLookup

from .models import ApiToken, User

# Every API call: the token with its user, by digest (compiled once: issue 12).
_TOKEN_BY_DIGEST = CompiledLookup(
    lambda digest: ApiToken.objects.select_related("user").filter(digest=digest).order_by()[:1], (str,)
)


def api_token_authenticate(secret: str) -> User | None:
    """The user behind a bearer secret, or None. Touches last_used_at at most once a minute."""
    if not secret or not secret.startswith("as_"):
        return None
    token = _TOKEN_BY_DIGEST.first(ApiToken.digest_of(secret))
    if token is None or not token.is_valid or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def user_list_with_role(role: str):
    return User.objects.filter(role=role, is_active=True).select_related("organization")
