"""Publishing tasks without ever making a web request wait on a dead broker.

Everything we queue is already stored (events, actions), so a failed publish loses nothing:
the sweep queues it later. After one failure we stop trying for a short while, so that a
webhook burst during a Redis outage is still answered fast instead of each request waiting
for its own connection timeout.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger("switchboard.queueing")

BACKOFF_SECONDS = 15
_broker_down_until = 0.0


def publish(task, args: tuple, *, eta=None) -> bool:
    """Queue `task(*args)`; False if the broker is (or was just) unreachable."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        task.apply_async(args, eta=eta)
    except Exception as exc:  # any broker failure: the sweep is the safety net
        _broker_down_until = time.monotonic() + BACKOFF_SECONDS
        log.warning(
            "broker unreachable (%s); not publishing for %ss, the sweep will catch up",
            exc,
            BACKOFF_SECONDS,
        )
        return False
    return True


def reset() -> None:
    """Forget an earlier failure (tests, or after the broker is known to be back)."""
    global _broker_down_until
    _broker_down_until = 0.0
