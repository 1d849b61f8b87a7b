"""Reads that one batch of worker work shares: the rule set's version, SLA policies, hours.

The worker processes events in batches (inbox/ingest.py `process_batch`). What every
message of a batch looks up and no message changes (the rule set's version, the enabled
SLA policies, business hours and their holidays) is read once per batch instead of once
per message. Outside a batch (a web request, a test calling a function directly) nothing
is remembered and every call reads the database, so an admin's change is seen by the next
batch: staleness is bounded by one batch, with no invalidation to get wrong.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")

_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("batch_memo", default=None)


@contextlib.contextmanager
def batch():
    """Remember shared reads until the block ends (nested blocks share the outer memo)."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def add_up(key: Hashable, amount: int, write: Callable[[dict], None]) -> None:
    """Count `amount` towards `key` and have `write(totals)` store the counts when the batch's
    transaction is about to commit (`write_counts`); outside a batch, store it at once."""
    memo = _memo.get()
    if memo is None:
        write({key: amount})
        return
    counts, _ = memo.setdefault(("counts", write), ({}, write))
    counts[key] = counts.get(key, 0) + amount


def write_counts() -> None:
    """Store what `add_up` counted in this batch (call inside its transaction, at the end).

    Each writer gets its totals at once, so it can update rows in a fixed order: counters
    that every worker bumps (a rule's hit count) are then locked only for the end of the
    transaction, and never in an order that could deadlock two workers.
    """
    memo = _memo.get()
    if memo is None:
        return
    for key in [k for k in memo if isinstance(k, tuple) and k and k[0] == "counts"]:
        counts, write = memo.pop(key)
        if counts:
            write(counts)


def drop_counts() -> None:
    """Forget what `add_up` counted since the last `write_counts`: its transaction rolled
    back, and the work is about to be done (and counted) again."""
    memo = _memo.get()
    if memo is None:
        return
    for key in [k for k in memo if isinstance(k, tuple) and k and k[0] == "counts"]:
        del memo[key]


def remembered(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, once per batch for this key; every time outside a batch."""
    memo = _memo.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]
