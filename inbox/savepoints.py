"""Savepoints only when they are needed: a batch is applied optimistically first.

A savepoint costs two statements (SAVEPOINT, RELEASE) and a round trip each. The worker
applies a batch of events in one transaction, and only a rare event fails or meets a
concurrent worker's row (an IntegrityError a savepoint would let it recover from). So
`inbox.ingest` first applies the whole batch with none (`optimistic()`); if anything
raises, the transaction rolls back whole and the batch is applied again the careful way,
a savepoint per event and around each insert that may collide, so that one poisonous
event still cannot cost the others.

Outside `optimistic()` (the careful rerun, and every caller that is not a batch) each
`atomic()` is a real savepoint, as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools

from django.db import transaction

_careful: contextvars.ContextVar[bool] = contextvars.ContextVar("savepoints_careful", default=True)


@contextlib.contextmanager
def optimistic():
    """Within the block `atomic()` is no savepoint and `careful()` is False: the caller
    rolls the whole transaction back on any error and reruns it outside the block."""
    token = _careful.set(False)
    try:
        yield
    finally:
        _careful.reset(token)


def careful() -> bool:
    """True when an error may be caught and recovered from here (a savepoint undid it);
    False in an optimistic block, where the error must propagate and undo everything."""
    return _careful.get()


def atomic():
    """A savepoint when careful; nothing in an optimistic block."""
    return transaction.atomic() if _careful.get() else contextlib.nullcontext()


def atomic_function(function):
    """`@transaction.atomic` for an operation that rules also run: a savepoint of its own
    when careful, none in an optimistic block (the caller undoes everything on an error)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with transaction.atomic(savepoint=_careful.get()):
            return function(*args, **kwargs)

    return wrapper
