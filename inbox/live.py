"""Live updates: tell every open inbox that something changed, after the commit.

The change feed lives in the shared cache (Redis, or the database cache without Redis), so
every web and worker process sees it. It is an append-only log of numbered slots,
`live:c:<n>` → (conversation ids, time). A publisher claims the next free slot with
`cache.add`, which is atomic on both backends (Redis `SET NX`; the database cache's insert
fails on the existing key), so two processes can never write the same slot and no change is
lost to a read-modify-write race. `live:head` is only a hint of where the log ends; readers
and writers probe forward from it.

Inboxes poll with the last version they saw and get back the conversations changed since.

Without the cache (Redis down) nothing is published and the feed pauses
(`inbox.shared_cache`): every change is in the database, and an inbox that was paused, or
finds the log gone when Redis comes back empty, reloads what it shows.

A rule that tags, assigns and prioritises one conversation in one transaction announces it
once, not three times: each conversation is published at most once per transaction (see
`conversation_changed`), which matters most on the database cache, where every publish is
its own commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction

from . import shared_cache

HEAD_KEY = "live:head"
SLOT_TTL = 60 * 60  # an inbox further behind than this reloads its list
# How far one read looks ahead; an inbox more changes behind than this reloads its list.
WINDOW = 200
_PROBE_BATCH = 32


def _slot(n: int) -> str:
    return f"live:c:{n}"


@dataclass
class _Batch:
    """The changes of one transaction (per thread, as Django's connections are)."""

    published: set[int] = field(default_factory=set)
    closed: bool = False  # its commit callbacks have started: the transaction is over


_local = threading.local()


def _open_batch() -> _Batch:
    batch = getattr(_local, "batch", None)
    if batch is None or batch.closed:
        # A batch whose transaction rolled back as a whole never ran a callback, so it is
        # still open and empty: reusing it for the next transaction is harmless.
        batch = _local.batch = _Batch()
    return batch


# The announcements gathered by `collected()` in this context, or None outside one.
_collecting: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "live_collecting", default=None
)


@contextlib.contextmanager
def collected():
    """Gather the announcements that commit within the block and publish them together when
    it ends, in one slot (one Redis round trip for the slot rather than one per
    conversation). For the worker, whose one commit can change fifty conversations:
    end the block right after the commit, as whatever it gathered waits for its end.
    Announcements of a transaction still open when the block ends are published alone."""
    if _collecting.get() is not None:
        yield
        return
    pending: set[int] = set()
    token = _collecting.set(pending)
    try:
        yield
    finally:
        _collecting.reset(token)
        # Also after an error: everything gathered here was committed.
        if pending:
            publish_many(sorted(pending))


def _announce(batch: _Batch, conversation_id: int) -> None:
    batch.closed = True
    if conversation_id in batch.published:
        return
    batch.published.add(conversation_id)
    pending = _collecting.get()
    if pending is not None:
        pending.add(conversation_id)
    else:
        publish(conversation_id)


def conversation_changed(conversation_id: int) -> None:
    """Announce a change once the surrounding transaction commits (never a rolled-back one).

    Each conversation is published once per transaction however often it changed. Every
    call still registers its own (cheap) commit callback and the first surviving one
    publishes: one callback registered at the first change would be lost with a savepoint
    rolled back around that change, and a set collected up front would announce changes a
    rolled-back savepoint undid. Django drops the callbacks of a rolled-back savepoint, so
    only changes that committed are announced.
    """
    batch = _open_batch()

    def announce() -> None:  # a function, not a partial: robust callbacks log __qualname__
        _announce(batch, conversation_id)

    # robust: a cache (Redis) that is down loses the announcement, a hint, and nothing else;
    # the caller's other after-commit work still runs.
    transaction.on_commit(announce, robust=True)


def publish(conversation_id: int) -> int:
    """Append one change to the log now; returns its version (0: not published, no cache).

    Called after commit, so it must not fail the request: the change is stored already."""
    return publish_many([conversation_id])


@shared_cache.degrades(lambda conversation_ids: 0)
def publish_many(conversation_ids: list[int]) -> int:
    """Append a change to all of these conversations to the log now, in one slot; returns
    its version (0: not published, no cache). A slot holds (ids, time); slots written
    before slots held several hold (id, time), and readers take both."""
    n = (cache.get(HEAD_KEY) or 0) + 1
    while not cache.add(_slot(n), (list(conversation_ids), time.time()), timeout=SLOT_TTL):
        n += 1
    cache.set(HEAD_KEY, n, timeout=None)
    return n


def _ids(slot: tuple) -> list[int]:
    ids = slot[0]
    return list(ids) if isinstance(ids, list | tuple) else [ids]


def _scan(after: int, limit: int) -> dict[int, tuple]:
    """The slots after `after` that exist, looking at most `limit` ahead."""
    found: dict[int, tuple] = {}
    start = after + 1
    while start <= after + limit:
        numbers = range(start, min(start + _PROBE_BATCH, after + limit + 1))
        batch = cache.get_many([_slot(n) for n in numbers])
        if not batch:
            break
        for n in numbers:
            if _slot(n) in batch:
                found[n] = batch[_slot(n)]
        start = numbers[-1] + 1
    return found


@shared_cache.degrades(lambda: 0)
def current_version() -> int:
    """The newest version: the head hint, corrected by looking past it."""
    head = cache.get(HEAD_KEY) or 0
    ahead = _scan(head, _PROBE_BATCH)
    return max(ahead, default=head)


@shared_cache.degrades(lambda: 0)
def page_version() -> int:
    """The version a page's live feed starts from, in one cache round trip: the head hint.

    It can only lag (a change whose publisher has claimed its slot but not yet moved the
    head), never lead, so nothing is missed: the page's first poll scans past it and
    brings that change again, which re-renders a row that was already right.
    """
    return cache.get(HEAD_KEY) or 0


def changes_since(version: int) -> tuple[int, set[int] | None]:
    """(latest version, changed conversation ids); None means "too far behind: reload all".

    While the cache is down: (version, set()), and `shared_cache.paused()` says why."""
    latest, slots = changed_slots(version)
    return latest, changed_ids(slots)


def changed_ids(slots: dict[int, list[int]] | None) -> set[int] | None:
    """The conversations `changed_slots` names, whatever slot; None stays "reload all"."""
    return None if slots is None else {cid for ids in slots.values() for cid in ids}


def changed_after(slots: dict[int, list[int]], version: int, conversation_id: int) -> bool:
    """Whether a slot after `version` names this conversation: has it changed since a pane
    rendered at `version`? (An open pane is stamped with the version read before it was
    rendered, so a change it already shows, such as the agent's own action, is not sent
    to it again: a thread replaced under the pointer loses the click in progress.)"""
    return any(conversation_id in ids for n, ids in slots.items() if n > version)


@shared_cache.degrades(lambda version: (version, {}))
def changed_slots(version: int) -> tuple[int, dict[int, list[int]] | None]:
    """(latest version, {slot: conversation ids} after `version`); None: reload all.

    While the cache is down: (version, {}), and `shared_cache.paused()` says why."""
    head = cache.get(HEAD_KEY)
    if version > 0 and (head is None or version - head > _PROBE_BATCH):
        # The log is gone or restarted behind us (Redis came back empty): what changed
        # meanwhile cannot be told, so the inbox reloads.
        return current_version(), None
    head = head or 0
    if head - version > WINDOW:
        return current_version(), None
    found = _scan(version, max(head - version, 0) + _PROBE_BATCH)
    if not found:
        return max(version, 0), {}
    if min(found) > version + 1:
        # The slot after ours expired (or a publisher died mid-claim): we cannot know what
        # we missed, so the inbox reloads its list.
        return max(found), None
    return max(found), {n: _ids(slot) for n, slot in found.items()}
