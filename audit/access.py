"""Access entries: who logged in, and which usernames failed to (never the password)."""

from __future__ import annotations

from .log import record


def logged_in(sender, request, user, **kwargs) -> None:
    record(
        actor=user,
        verb="logged in",
        target_kind="access",
        target_id=user.pk,
        target_name=user.get_username(),
        changes={},
    )


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(actor=None, verb="login failed", target_kind="access", target_name=username, changes={})
