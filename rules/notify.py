"""Outgoing notifications of rules: Slack incoming webhooks and plain JSON webhooks.

Both are stored in the rule's transaction and sent once it commits (nobody hears of a
change that rolled back), on the outgoing webhooks' schedule: retried with backoff for
about a day, swept after a worker died. A webhook call is a delivery of webhooks_out,
signed and shown on the Webhooks page with a Redeliver button (docs/webhooks.md);
receivers deduplicate by its id. A Slack notification is a post of slack/, listed on the
Slack page (docs/slack.md).
"""

from __future__ import annotations

import logging

import requests

from inbox.connectors import Rejected, Unavailable
from inbox.http import ApiClient

from .destinations import check_url

__all__ = ["SlackClient", "WebhookClient", "check_url", "queue_slack", "queue_webhook"]

log = logging.getLogger("switchboard.rules.notify")


class _NoRedirects(requests.Session):
    """A redirect could point a checked public URL at a private host: never follow one."""

    def get_redirect_target(self, resp):
        return None


class WebhookClient(ApiClient):
    """Posts JSON to a full URL a manager configured (checked by rules.destinations)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("session", _NoRedirects())
        super().__init__(*args, **kwargs)

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


def queue_slack(url: str, text: str) -> None:
    """Store the post now, in the rule's transaction; it is sent once that commits."""
    from slack import notify

    notify.rule_notification(url, text)


def queue_webhook(url: str, payload: dict, *, event: str = "") -> None:
    """Store the call now, in the rule's transaction; it is sent once that commits."""
    from webhooks_out import events
    from webhooks_out.models import RULE_MATCHED

    events.call(url, payload, event=event or RULE_MATCHED)
