"""Webhook delivery the way Meta does it: batched, signed over the bytes sent, retried until 200.

Bodies are serialised with non-ASCII escaped (`\\uXXXX`) and `/` as `\\/`, as Meta's are, and
`X-Hub-Signature-256` is computed over exactly those bytes; a receiver that re-serialises
before checking would fail, as it would with Meta.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

import requests

from channels_fb.graph import SIGNATURE_HEADER, sign_body

log = logging.getLogger("switchboard.standin.instagram")

RETRY_DELAYS = (0.2, 0.5, 1, 2, 5, 10, 30, 60)


def meta_bytes(body: dict) -> bytes:
    return json.dumps(body, ensure_ascii=True).replace("/", "\\/").encode()


@dataclass(order=True)
class _Pending:
    due: float
    seq: int
    entries: list[dict] = field(compare=False)
    attempts: int = field(default=0, compare=False)


class WebhookSender:
    """Queues entries, sends them in batches from a background thread, retries failures."""

    def __init__(
        self,
        *,
        app_secret: str,
        callback_url: str = "",
        batch_window: float = 0.05,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        timeout: float = 5.0,
    ) -> None:
        self.app_secret = app_secret
        self.callback_url = callback_url
        self.batch_window = batch_window
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.session = requests.Session()
        self.attempts: list[dict] = []  # every POST made: status, body
        self._queue: list[_Pending] = []
        self._seq = 0
        self._busy = 0
        self._cond = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, daemon=True, name="ig-standin-webhooks")
        self._thread.start()

    def enqueue(self, entry: dict, *, delay: float = 0.0) -> None:
        with self._cond:
            self._seq += 1
            due = time.monotonic() + delay + self.batch_window
            self._queue.append(_Pending(due, self._seq, [entry]))
            self._cond.notify_all()

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + self._busy

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until everything queued has been answered 200 (True) or the time is up (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()

    # -- the thread --
    def _take_due(self) -> list[_Pending]:
        now = time.monotonic()
        due = [p for p in self._queue if p.due <= now]
        if due and self.callback_url:
            self._queue = [p for p in self._queue if p.due > now]
            self._busy += 1
            return sorted(due)
        return []

    def _run(self) -> None:
        while True:
            with self._cond:
                batch: list[_Pending] = []
                while not self._stopped and not batch:
                    batch = self._take_due()
                    if not batch:
                        nxt = min((p.due for p in self._queue), default=None)
                        wait = 0.5 if nxt is None else max(0.005, nxt - time.monotonic())
                        self._cond.wait(min(wait, 0.5))
                if self._stopped:
                    return
            try:
                self._send(batch)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _send(self, batch: list[_Pending]) -> None:
        entries = [e for p in batch for e in p.entries]
        body = meta_bytes({"object": "instagram", "entry": entries})
        status = None
        try:
            response = self.session.post(
                self.callback_url,
                data=body,
                timeout=self.timeout,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign_body(body, self.app_secret),
                },
            )
            status = response.status_code
        except requests.RequestException as exc:
            log.info("webhook delivery failed: %s", exc)
        self.attempts.append({"status": status, "entries": len(entries), "body": body})
        if status == 200:
            return
        attempts = max(p.attempts for p in batch) + 1
        delay = self.retry_delays[min(attempts - 1, len(self.retry_delays) - 1)]
        with self._cond:
            self._seq += 1
            self._queue.append(_Pending(time.monotonic() + delay, self._seq, entries, attempts))
