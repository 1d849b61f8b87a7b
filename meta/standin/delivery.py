"""Webhook delivery the way Meta does it: batched, signed over the bytes sent, retried until 2xx.

Meta collects entries into batches (`{"object": "page" | "instagram", "entry": [...]}`,
`feed`-style changes and `messaging` in separate POSTs), serialises them with non-ASCII
escaped (`\\uXXXX`) and `/` as `\\/`, signs exactly those bytes in `X-Hub-Signature-256`,
and sends a delivery that was not answered 2xx again, byte for byte, with growing pauses.
A receiver that re-serialises before checking the signature fails here as it would with Meta.
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/

The one deliverer of both Meta stand-ins. Tests pump it (`deliver_due(force=True)`), or it
delivers from a thread of its own (`start()`, the demo and the live-server tests).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field

import requests

from meta.webhooks import SIGNATURE_HEADER, sign_body

log = logging.getLogger("switchboard.standin.meta")

# Pauses before each retry of a delivery not answered 2xx (the last one repeats).
RETRY_DELAYS = (0.2, 0.5, 1, 2, 5, 10, 30, 60)


def meta_json(body: dict) -> bytes:
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


@dataclass
class Delivery:
    """One POST body, sent until it is answered 2xx."""

    body: bytes
    entries: int
    attempts: int = 0
    next_at: float = 0.0
    answers: list[int | None] = field(default_factory=list)


class Deliverer:
    """Collects entries into batches and posts them, signed, to the callback URL."""

    def __init__(
        self,
        *,
        object_name: str,
        app_secret: str,
        callback_url: str = "",
        batch_window: float = 0.0,
        max_batch: int = 50,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        timeout: float = 10.0,
    ) -> None:
        self.object_name = object_name
        self.app_secret = app_secret
        self.callback_url = callback_url
        self.batch_window = batch_window
        self.max_batch = max_batch
        self.retry_delays = retry_delays
        self.timeout = timeout
        self.queue: list[Delivery] = []  # sealed batches waiting for a 2xx
        self.delivered: list[Delivery] = []
        self.attempts: list[dict] = []  # every POST made: status, entries, body
        self._entries: list[tuple[float, str, dict]] = []  # (due, group, entry), not sealed
        self._busy = 0
        self._cond = threading.Condition(threading.RLock())
        self._thread: threading.Thread | None = None
        self._stopped = False

    # -- collecting --
    def add(self, entry: dict, *, group: str = "changes", delay: float = 0.0) -> None:
        """Queue one entry; entries of one group go out together, as Meta batches them."""
        with self._cond:
            due = time.monotonic() + delay + self.batch_window
            self._entries.append((due, group, entry))
            self._cond.notify_all()

    def seal_all(self) -> None:
        """Batch every entry now, due or not (tests that post the bodies themselves)."""
        with self._cond:
            self._seal(force=True)

    def _seal(self, *, force: bool) -> None:
        now = time.monotonic()
        due = [e for e in self._entries if force or e[0] <= now]
        if not due:
            return
        self._entries = [e for e in self._entries if not (force or e[0] <= now)]
        groups: dict[str, list[dict]] = {}
        for _, group, entry in due:
            groups.setdefault(group, []).append(entry)
        for entries in groups.values():
            for start in range(0, len(entries), self.max_batch):
                chunk = entries[start : start + self.max_batch]
                body = meta_json({"object": self.object_name, "entry": chunk})
                self.queue.append(Delivery(body, entries=len(chunk)))

    # -- sending --
    def deliver_due(self, *, force: bool = False) -> int:
        """Send every due delivery once; returns how many were answered 2xx."""
        with self._cond:
            self._seal(force=force)
            if not self.callback_url:
                return 0
            now = time.monotonic()
            due = [d for d in self.queue if force or d.next_at <= now]
            self.queue = [d for d in self.queue if not (force or d.next_at <= now)]
            self._busy += len(due)
        answered = 0
        for delivery in due:
            ok = self._send(delivery)
            with self._cond:
                self._busy -= 1
                if ok:
                    answered += 1
                    self.delivered.append(delivery)
                else:
                    self.queue.append(delivery)
                self._cond.notify_all()
        return answered

    def _send(self, delivery: Delivery) -> bool:
        delivery.attempts += 1
        status = None
        try:
            response = requests.post(
                self.callback_url,
                data=delivery.body,
                timeout=self.timeout,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign_body(delivery.body, self.app_secret),
                },
            )
            status = response.status_code
        except requests.RequestException as exc:
            log.info("webhook delivery failed: %s", exc)
        delivery.answers.append(status)
        self.attempts.append({"status": status, "entries": delivery.entries, "body": delivery.body})
        if status is not None and 200 <= status < 300:
            return True
        delay = self.retry_delays[min(delivery.attempts, len(self.retry_delays)) - 1]
        delivery.next_at = time.monotonic() + delay
        return False

    @property
    def pending(self) -> int:
        """Entries and batches not yet answered 2xx (those being sent included)."""
        with self._cond:
            return len(self._entries) + len(self.queue) + self._busy

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until everything queued has been answered 2xx (True) or the time is up (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    # -- background mode --
    def start(self) -> None:
        """Deliver from a thread of our own: each entry once it is due, failures retried."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, daemon=True, name="meta-webhooks")
        self._thread.start()

    def _next_due(self) -> float | None:
        times = [e[0] for e in self._entries]
        if self.callback_url:
            times += [d.next_at for d in self.queue]
        return min(times, default=None)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped:
                    nxt = self._next_due()
                    if nxt is not None and nxt <= time.monotonic() and self.callback_url:
                        break
                    if nxt is None or not self.callback_url:
                        wait = 0.5
                    else:
                        wait = max(0.005, nxt - time.monotonic())
                    self._cond.wait(min(wait, 0.5))
                if self._stopped:
                    return
            try:
                self.deliver_due()
            except Exception:  # the stand-in keeps delivering whatever happens
                log.exception("webhook delivery loop")

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
