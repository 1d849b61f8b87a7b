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


def remembered(key: Hashable, read: Callable[[], T]) -> T:
    """`read()`, once per batch for this key; every time outside a batch."""
    memo = _memo.get()
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]
