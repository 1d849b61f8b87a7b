"""The shared cache (Redis when REDIS_URL is set) is a convenience, never a dependency.

Live updates, presence and cached folder counts live there; every page and every reply works
on the database alone. When the cache cannot be reached, the functions wrapped with
`degrades` answer their stand-in value instead (no change feed, nobody present, counts
computed afresh), and the inbox shows "Live updates paused — reconnecting" until it answers
again. After one failure the cache is left alone for a few seconds, so that a page does not
wait on a connection timeout for each of its cache calls.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from redis.exceptions import RedisError

log = logging.getLogger("switchboard.shared_cache")

# What a cache that cannot be reached raises: redis-py's errors, and sockets' own.
ERRORS = (RedisError, OSError)
RETRY_SECONDS = 5.0
_down_until = 0.0

# The wrapped operation: `degrades` keeps its signature.
Operation = TypeVar("Operation", bound=Callable[..., Any])


def paused() -> bool:
    """Is the shared cache known to be unreachable (live updates and presence paused)?"""
    return time.monotonic() < _down_until


def mark_down(exc: BaseException) -> None:
    global _down_until
    if not paused():
        log.warning(
            "shared cache unreachable (%s); live updates and presence paused for "
            "%ss, pages and replies carry on",
            exc,
            RETRY_SECONDS,
        )
    _down_until = time.monotonic() + RETRY_SECONDS


def reset() -> None:
    """Forget an earlier failure (tests, or once the cache is known to be back)."""
    global _down_until
    _down_until = 0.0


def degrades(fallback: Callable[..., object]) -> Callable[[Operation], Operation]:
    """Run the wrapped cache operation, or `fallback(*args, **kwargs)` while it is down."""

    def wrap(operation: Operation) -> Operation:
        @functools.wraps(operation)
        def guarded(*args, **kwargs) -> Any:
            if paused():
                return fallback(*args, **kwargs)
            try:
                return operation(*args, **kwargs)
            except ERRORS as exc:
                mark_down(exc)
                return fallback(*args, **kwargs)

        # guarded takes the operation's arguments and answers its type (or the fallback's,
        # which stands in for it), which mypy cannot follow through *args.
        return cast(Operation, guarded)

    return wrap
