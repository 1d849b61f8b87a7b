"""Outgoing notifications of rules: Slack incoming webhooks and plain JSON webhooks.

Both are queued as Celery tasks after the rule's transaction commits (nobody hears of a
change that rolled back) and posted once: a notification is never retried blindly.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.db import transaction

from inbox.connectors import Rejected, Unavailable
from inbox.http import ApiClient

log = logging.getLogger("switchboard.rules.notify")


class WebhookClient(ApiClient):
    """Posts JSON to a full URL a manager configured."""

    def translate_error(self, response):
        if 400 <= response.status_code < 500:
            return Rejected(f"HTTP {response.status_code}: {response.text[:200]}")
        return super().translate_error(response)

    def send(self, url: str, payload: dict) -> None:
        try:
            self.post(url, json=payload)
        except Unavailable:
            if self.last_response is not None and self.last_response.ok:
                return  # delivered; the receiver answered in text, not JSON (Slack: "ok")
            raise


class SlackClient(WebhookClient):
    """Slack incoming webhook: POST {"text": ...} (https://api.slack.com/messaging/webhooks)."""

    def post_message(self, url: str, text: str) -> None:
        self.send(url, {"text": text})


def check_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL")
    return url


def queue_slack(url: str, text: str) -> None:
    from .tasks import notify_slack

    transaction.on_commit(lambda: notify_slack.delay(url, text))


def queue_webhook(url: str, payload: dict) -> None:
    from .tasks import call_webhook

    transaction.on_commit(lambda: call_webhook.delay(url, payload))
