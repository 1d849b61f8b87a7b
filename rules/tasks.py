"""Celery tasks of the rules app: thin wrappers around the operations."""

from __future__ import annotations

import logging

from celery import shared_task

from inbox.connectors import ConnectorError

log = logging.getLogger("switchboard.rules")


@shared_task(ignore_result=True)
def tick() -> dict:
    """Every minute (beat, registered in RulesConfig.ready): SLA upkeep and time triggers."""
    from .sla import announce_breaches, clear_answered
    from .timers import run_time_triggers

    cleared = clear_answered()
    hits = run_time_triggers()
    breaches = announce_breaches()
    return {"sla_cleared": cleared, "hits": hits, "sla_breaches": breaches}


@shared_task(ignore_result=True)
def refresh_sla() -> int:
    """After an SLA policy or business hours changed: every open conversation's due time."""
    from .sla import refresh_open

    return refresh_open()


# max_retries=0: a notification is posted once, never blindly again (docs/style.md, practice 7).
@shared_task(ignore_result=True, max_retries=0)
def notify_slack(url: str, text: str) -> None:
    from .destinations import check_destination
    from .notify import SlackClient

    try:
        check_destination(url)  # again: the name may resolve elsewhere since the rule was saved
        SlackClient().post_message(url, text)
    except (ConnectorError, ValueError) as exc:
        # A notification is a courtesy, not customer work: logged, not retried (it may have
        # landed), and the rule hit on the timeline stays the record of what happened.
        log.warning("Slack notification failed: %s", exc)


@shared_task(ignore_result=True, max_retries=0)
def call_webhook(url: str, payload: dict) -> None:
    from .destinations import check_destination
    from .notify import WebhookClient

    try:
        check_destination(url)
        WebhookClient().send(url, payload)
    except (ConnectorError, ValueError) as exc:
        log.warning("rule webhook %s failed: %s", url, exc)
