"""Who else has a conversation open, and who is typing in it.

Kept in the shared cache with short lifetimes: each open inbox re-announces itself with
every live poll (about once a second), so a closed tab disappears within `STALE_AFTER`.
One key per conversation holds a small {user id: entry} map; two agents writing it at the
same moment can drop one entry, which the next poll restores a second later. Without the
cache (Redis down) presence pauses: nobody is shown, nothing fails (`inbox.shared_cache`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

from . import shared_cache

STALE_AFTER = 6.0
KEY_TTL = 30


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    replying: bool

    @property
    def label(self) -> str:
        return f"{self.name} is {'replying' if self.replying else 'viewing'}"


def _key(conversation_id: int) -> str:
    return f"presence:{conversation_id}"


@shared_cache.degrades(lambda **_: None)
def announce(*, conversation_id: int, user, replying: bool) -> None:
    now = time.time()
    entries = {
        uid: e
        for uid, e in (cache.get(_key(conversation_id)) or {}).items()
        if now - e["at"] < STALE_AFTER
    }
    entries[user.pk] = {"name": user.first_name or user.username, "replying": replying, "at": now}
    cache.set(_key(conversation_id), entries, timeout=KEY_TTL)


@shared_cache.degrades(lambda **_: None)
def leave(*, conversation_id: int, user) -> None:
    entries = cache.get(_key(conversation_id)) or {}
    if entries.pop(user.pk, None) is not None:
        cache.set(_key(conversation_id), entries, timeout=KEY_TTL)


@shared_cache.degrades(lambda **_: [])
def others(*, conversation_id: int, user) -> list[Presence]:
    now = time.time()
    entries = cache.get(_key(conversation_id)) or {}
    return [
        Presence(uid, e["name"], e["replying"])
        for uid, e in sorted(entries.items())
        if uid != user.pk and now - e["at"] < STALE_AFTER
    ]
