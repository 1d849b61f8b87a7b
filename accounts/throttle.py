"""Sign-in throttling: too many wrong passwords for one username or from one address, and
sign-in is refused for the rest of the window, whatever the password.

Counts live in the shared cache (Redis in production), so every web process sees them. If
the cache cannot be reached, sign-in works unthrottled rather than not at all: an outage
must not lock every agent out.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

log = logging.getLogger("switchboard.accounts")

MESSAGE = (
    "Too many failed sign-ins for this account or from this address. Sign-in is "
    "paused for up to {minutes} minutes; try again later, or ask an admin to reset "
    "your password."
)


def message() -> str:
    return MESSAGE.format(minutes=max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60))


def client_address(request: HttpRequest | None) -> str:
    """The address the request came from: REMOTE_ADDR, or behind a proxy the last entry of
    the header it appends (LOGIN_CLIENT_IP_HEADER, e.g. X-Forwarded-For); without it every
    client behind the proxy would share one count."""
    if request is None:
        return ""
    header = settings.LOGIN_CLIENT_IP_HEADER
    forwarded = request.headers.get(header, "") if header else ""
    return forwarded.split(",")[-1].strip() or request.META.get("REMOTE_ADDR", "")


def _keys(request: HttpRequest | None, username: str) -> list[str]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    keys = [f"login-failures:user:{name}"]
    address = client_address(request)
    if address:
        keys.append(f"login-failures:addr:{address}")
    return keys


def is_locked(request: HttpRequest | None, username: str) -> bool:
    try:
        counts = cache.get_many(_keys(request, username))
    except Exception:  # noqa: BLE001 - any cache failure; see the module docstring
        log.warning("login throttle: cache unavailable, not throttling", exc_info=True)
        return False
    return any(count >= settings.LOGIN_FAILURE_LIMIT for count in counts.values())


def record_failure(request: HttpRequest | None, username: str) -> None:
    """Count one wrong password; a key's window starts at its first failure.

    `incr` is atomic on Redis, so parallel guesses are each counted. Some cache backends
    reset the expiry on `incr` (the database cache does), so it is set back to the end of
    the window, which is kept beside the count.
    """
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    try:
        for key in _keys(request, username):
            cache.add(f"{key}:until", now + window, window)
            if cache.add(key, 1, window):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)
            until = cache.get(f"{key}:until") or now + window
            cache.touch(key, max(1, int(until - now + 0.999)))
    except Exception:  # noqa: BLE001 - any cache failure; see the module docstring
        log.warning("login throttle: cache unavailable, failure not counted", exc_info=True)


def clear(username: str) -> None:
    """A right password resets the username's count (not the address's: one account an
    attacker owns must not reset the count of the address it guesses others' from)."""
    try:
        cache.delete(_keys(None, username)[0])
    except Exception:  # noqa: BLE001 - any cache failure; see the module docstring
        log.warning("login throttle: cache unavailable, count not cleared", exc_info=True)
