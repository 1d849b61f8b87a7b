"""Outgoing notifications of rules: Slack incoming webhooks and plain JSON webhooks.

Both are stored in the rule's transaction and sent once it commits (nobody hears of a
change that rolled back), on the outgoing webhooks' schedule: retried with backoff for
about a day, swept after a worker died. A webhook call is a delivery of webhooks_out,
signed and shown on the Webhooks page with a Redeliver button (docs/webhooks.md);
receivers deduplicate by its id. A Slack notification is a post of slack/, listed on the
Slack page (docs/slack.md).
"""

from __future__ import annotations

from .destinations import check_url

__all__ = ["check_url", "queue_slack", "queue_webhook"]


def queue_slack(url: str, text: str) -> None:
    """Store the post now, in the rule's transaction; it is sent once that commits."""
    from slack import notify

    notify.rule_notification(url, text)


def queue_webhook(url: str, payload: dict, *, event: str = "") -> None:
    """Store the call now, in the rule's transaction; it is sent once that commits."""
    from webhooks_out import events
    from webhooks_out.models import RULE_MATCHED

    events.call(url, payload, event=event or RULE_MATCHED)
