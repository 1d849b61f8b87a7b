"""Webhook delivery the way Meta does it: batched, signed, retried until answered 2xx.

Bodies are serialised with `ensure_ascii=True` and `/` escaped as `\\/`, as Meta's are, and
the signature is computed over exactly the bytes sent. A delivery that is not answered 2xx
stays queued and is sent again, byte for byte, with growing pauses.
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from dataclasses import dataclass, field

import requests

log = logging.getLogger("switchboard.standin.facebook")


def meta_json(body: dict) -> bytes:
    text = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
    return text.replace("/", "\\/").encode("ascii")


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    body: bytes
    attempts: int = 0
    next_at: float = 0.0
    answers: list[int] = field(default_factory=list)


class WebhookDeliverer:
    """Collects entries into batches and posts them to the callback URL."""

    def __init__(
        self,
        *,
        app_secret: str,
        callback_url: str = "",
        max_batch: int = 50,
        max_backoff: float = 60.0,
    ) -> None:
        self.app_secret = app_secret
        self.callback_url = callback_url
        self.max_batch = max_batch
        self.max_backoff = max_backoff
        self.lock = threading.RLock()
        self.pending_entries: dict[str, list[dict]] = {"feed": [], "messaging": []}
        self.queue: list[Delivery] = []
        self.delivered: list[Delivery] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- collecting --
    def add(self, kind: str, entry: dict) -> None:
        """Queue one entry; `feed` and `messaging` go in separate POSTs, as Meta sends them."""
        with self.lock:
            self.pending_entries[kind].append(entry)
            if len(self.pending_entries[kind]) >= self.max_batch:
                self._seal(kind)

    def _seal(self, kind: str) -> None:
        entries, self.pending_entries[kind] = self.pending_entries[kind], []
        if entries:
            self.queue.append(Delivery(meta_json({"object": "page", "entry": entries})))

    def seal_all(self) -> None:
        with self.lock:
            for kind in list(self.pending_entries):
                self._seal(kind)

    # -- sending --
    def deliver_due(self, *, force: bool = False) -> int:
        """Send every due delivery once; returns how many were answered 2xx."""
        self.seal_all()
        now = time.monotonic()
        with self.lock:
            due = [d for d in self.queue if force or d.next_at <= now]
        answered = 0
        for delivery in due:
            if self._send(delivery):
                answered += 1
                with self.lock:
                    self.queue.remove(delivery)
                    self.delivered.append(delivery)
        return answered

    def _send(self, delivery: Delivery) -> bool:
        delivery.attempts += 1
        status = 0
        if self.callback_url:
            try:
                response = requests.post(
                    self.callback_url,
                    data=delivery.body,
                    timeout=10,
                    headers={
                        "Content-Type": "application/json",
                        "X-Hub-Signature-256": signature(delivery.body, self.app_secret),
                    },
                )
                status = response.status_code
            except requests.RequestException as exc:
                log.info("webhook delivery failed: %s", exc)
        delivery.answers.append(status)
        if 200 <= status < 300:
            return True
        delivery.next_at = time.monotonic() + min(2 ** (delivery.attempts - 1), self.max_backoff)
        return False

    @property
    def pending(self) -> int:
        with self.lock:
            return len(self.queue) + sum(bool(v) for v in self.pending_entries.values())

    # -- background mode (the demo) --
    def start(self, interval: float = 0.5) -> None:
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.deliver_due()
                except Exception:  # the stand-in keeps delivering whatever happens
                    log.exception("webhook delivery loop")

        self._thread = threading.Thread(target=loop, daemon=True, name="fb-webhooks")
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
