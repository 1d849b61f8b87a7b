"""Live updates: tell every open inbox that something changed, after the commit.

The change feed is a short list in the shared cache (Redis, or the database cache without
Redis), so every web process sees it. Inboxes poll it cheaply with the last version they saw.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.db import transaction

FEED_KEY = "live:feed"
VERSION_KEY = "live:version"
FEED_LENGTH = 200


def conversation_changed(conversation_id: int) -> None:
    """Announce a change once the surrounding transaction commits (never a rolled-back one)."""
    transaction.on_commit(lambda: _publish(conversation_id))


def _publish(conversation_id: int) -> None:
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:
        cache.add(VERSION_KEY, 0, timeout=None)
        version = cache.incr(VERSION_KEY)
    feed = cache.get(FEED_KEY) or []
    feed.append((version, conversation_id, time.time()))
    cache.set(FEED_KEY, feed[-FEED_LENGTH:], timeout=None)


def current_version() -> int:
    return cache.get(VERSION_KEY) or 0


def changes_since(version: int) -> tuple[int, set[int] | None]:
    """(latest version, changed conversation ids); None means "too far behind: reload all"."""
    feed = cache.get(FEED_KEY) or []
    latest = current_version()
    if latest == version:
        return latest, set()
    if not feed or feed[0][0] > version + 1:
        return latest, None
    return latest, {cid for v, cid, _ in feed if v > version}
