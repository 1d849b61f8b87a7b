"""OAuth 2.0 Authorization Code with PKCE, and keeping the 2-hour access token alive.

https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code: the access
token lives two hours; `offline.access` brings a refresh token, and every refresh returns a
new refresh token and retires the old one. Two workers refreshing at once would leave one
of them holding a dead token, so a refresh happens under a row lock on the channel and the
rotated pair is written in the same transaction.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction

from inbox import channels
from inbox.connectors import AuthExpired, RateLimited, Unavailable
from inbox.http import ApiClient
from inbox.models import Channel

from . import conf

log = logging.getLogger("switchboard.x.oauth")


class TokenClient(ApiClient):
    """POST /2/oauth2/token. A confidential client authenticates with HTTP Basic."""

    def prepare(self, method, params, headers):
        if settings.X_CLIENT_SECRET:
            pair = f"{settings.X_CLIENT_ID}:{settings.X_CLIENT_SECRET}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()

    def translate_error(self, response):
        if response.status_code in (400, 401):
            # invalid_grant / invalid_request: the code or refresh token is spent or revoked.
            try:
                body = response.json()
            except ValueError:
                body = {}
            return AuthExpired(
                "X refused the refresh: "
                + str(body.get("error_description") or body.get("error") or response.status_code)
            )
        if response.status_code == 429:
            from datetime import UTC, datetime, timedelta

            return RateLimited(datetime.now(UTC) + timedelta(minutes=1))
        return Unavailable(f"X token endpoint answered {response.status_code}")


def pkce_pair() -> tuple[str, str]:
    """A code verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def authorization_url(*, api_base: str, redirect_uri: str, state: str, challenge: str) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": settings.X_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "scope": " ".join(conf.SCOPES),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    return f"{conf.authorize_url(api_base)}?{query}"


def credentials_from(body: dict, *, previous: dict | None = None) -> dict:
    previous = previous or {}
    return {
        **previous,
        "access_token": body["access_token"],
        # X rotates it; keep the old one only if (unusually) none came back.
        "refresh_token": body.get("refresh_token") or previous.get("refresh_token", ""),
        "expires_at": int(time.time()) + int(body.get("expires_in", 7200)),
        "scope": body.get("scope", previous.get("scope", "")),
    }


def exchange_code(*, api_base: str, code: str, verifier: str, redirect_uri: str) -> dict:
    body = TokenClient(api_base).post(
        conf.token_url(api_base),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": settings.X_CLIENT_ID,
        },
    )
    return credentials_from(body)


def _expiring(credentials: dict) -> bool:
    expires_at = credentials.get("expires_at")
    if not expires_at:
        return False
    return int(expires_at) - time.time() < conf.REFRESH_MARGIN_SECONDS


def access_token(channel: Channel) -> str:
    """A token good for a few more minutes at least, refreshed ahead of expiry if need be."""
    if _expiring(channel.credentials) and channel.credentials.get("refresh_token"):
        return refresh(channel)
    return channel.credentials.get("access_token", "")


def refresh(channel: Channel, *, force: bool = False) -> str:
    """Refresh the access token and store the rotated pair atomically; return the new token.

    `force` refreshes even a token that has not run out (X answered 401). If another worker
    refreshed while we waited for the lock, its token is used instead of refreshing twice.
    A refused refresh flags the channel "needs reconnect" and raises AuthExpired.
    """
    seen_token = channel.credentials.get("access_token")
    try:
        with transaction.atomic():
            # The lock is held across the HTTP call on purpose: the refresh token is
            # single-use, and a second refresh with it would fail and kill the channel.
            locked = Channel.objects.select_for_update().get(pk=channel.pk)
            current = dict(locked.credentials)
            someone_else_did = current.get("access_token") != seen_token
            if someone_else_did or not (force or _expiring(current)):
                channel.credentials = current
                return current.get("access_token", "")
            if not current.get("refresh_token"):
                raise AuthExpired("the X token has expired and there is no refresh token")
            api_base = conf.api_base(locked)
            body = TokenClient(api_base).post(
                conf.token_url(api_base),
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": current["refresh_token"],
                    "client_id": settings.X_CLIENT_ID,
                },
            )
            locked.credentials = credentials_from(body, previous=current)
            locked.save(update_fields=["credentials"])
    except AuthExpired as exc:
        channels.mark_needs_reconnect(channel, str(exc))
        raise
    channel.credentials = locked.credentials
    log.info("refreshed the X token of %s", channel)
    return locked.credentials["access_token"]
