"""Creating, checking and revoking personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from audit.log import record

from .models import ApiToken

PREFIX = "sb_"
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_EVERY = timedelta(minutes=1)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, user, name: str) -> tuple[ApiToken, str]:
    """A new token and its raw value, which is not kept anywhere: show it once."""
    raw = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "API token",
        prefix=raw[: len(PREFIX) + 6],
        digest=_digest(raw),
    )
    # Named by its name and visible prefix only: never the token, nor its digest.
    record(actor=user, verb="created", target=token, changes={"name": [None, token.name]})
    return token, raw


def token_revoke(*, token: ApiToken, actor=None) -> None:
    revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        record(actor=actor, verb="revoked", target=token, changes={"revoked": [False, True]})


def token_lookup(raw: str) -> ApiToken | None:
    """The active token with this value, its user loaded, or None."""
    if not raw.startswith(PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
