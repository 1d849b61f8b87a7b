"""What a batch's items will look up, read before they are applied: one query per kind.

Applying an item looks up its author's identity, its thread's conversation, the message
itself (an edit, a duplicate) and its parent, one query each. For a batch of fifty events
`read()` asks each of those once for all the items (`... IN (...)`), and `inbox.ingest`
consults the answers (`get`) instead of the database. What the batch creates is added as it
goes (`remember`), so a later item of the same batch finds it.

Only for the optimistic pass (inbox/savepoints.py): there nothing is rolled back short of
the whole transaction, so an answer can never name a row a savepoint undid. The careful
pass, and every caller outside a batch, reads the database as before (`get` falls back to
its `read` for any key not prefetched).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .connectors import InboundItem
from .models import Conversation, Identity, InboundEvent, Message

T = TypeVar("T")

# kind -> key -> the row (None: there was none when the batch began).
Tables = dict[str, dict[tuple, Any]]

_current: contextvars.ContextVar[Tables | None] = contextvars.ContextVar("prefetched", default=None)


def read(parsed: list[tuple[InboundEvent, list]]) -> Tables:
    """The rows these events' items will look up, by kind: "identity" by (platform,
    external id), "conversation" by (channel, thread id), "message" by (channel, external
    id), locked as `_upsert_message` locks it, and "parent" (its id) likewise."""
    identities: set[tuple[str, str]] = set()
    threads: dict[int, set[str]] = {}
    messages: dict[int, set[str]] = {}
    parents: dict[int, set[str]] = {}
    for event, items in parsed:
        channel_id = event.channel_id
        if channel_id is None:
            continue  # failed before it is applied
        for item in items:
            if not isinstance(item, InboundItem) or item.is_echo:
                continue  # echoes are matched to our own sends first (_match_echo)
            if item.author:
                identities.add((item.author.platform, item.author.external_id))
            threads.setdefault(channel_id, set()).add(item.thread_id)
            messages.setdefault(channel_id, set()).add(item.external_id)
            if item.parent_external_id:
                parents.setdefault(channel_id, set()).add(item.parent_external_id)
    tables: Tables = {
        "identity": dict.fromkeys(identities),
        "conversation": {(c, t): None for c, ids in threads.items() for t in ids},
        "message": {(c, m): None for c, ids in messages.items() for m in ids},
        "parent": {(c, p): None for c, ids in parents.items() for p in ids},
    }
    for platform in {p for p, _ in identities}:
        wanted = [e for p, e in identities if p == platform]
        for identity in Identity.objects.filter(platform=platform, external_id__in=wanted):
            tables["identity"][(platform, identity.external_id)] = identity
    for channel_id, ids in threads.items():
        for conversation in Conversation.objects.filter(
            channel_id=channel_id, external_thread_id__in=ids
        ):
            tables["conversation"][(channel_id, conversation.external_thread_id)] = conversation
    for channel_id, ids in messages.items():
        # Locked in id order, so that two workers' batches never lock two in opposite orders.
        for message in (
            Message.objects.select_for_update(no_key=True)
            .filter(channel_id=channel_id, external_id__in=ids)
            .order_by("pk")
        ):
            tables["message"][(channel_id, message.external_id)] = message
    for channel_id, ids in parents.items():
        for pk, external_id in Message.objects.filter(
            channel_id=channel_id, external_id__in=ids
        ).values_list("pk", "external_id"):
            tables["parent"][(channel_id, external_id)] = pk
    return tables


@contextlib.contextmanager
def using(tables: Tables) -> Iterator[None]:
    """`get` answers from `tables` within the block."""
    token = _current.set(tables)
    try:
        yield
    finally:
        _current.reset(token)


def get(kind: str, key: tuple, read_one: Callable[[], T]) -> T:
    """The prefetched row of this kind and key, or `read_one()` if it was not prefetched."""
    tables = _current.get()
    if tables is None or key not in tables[kind]:
        return read_one()
    return tables[kind][key]


def remember(kind: str, key: tuple, value: Any) -> None:
    """A row the batch just created: what a later `get` of its key returns."""
    tables = _current.get()
    if tables is not None:
        tables[kind][key] = value
