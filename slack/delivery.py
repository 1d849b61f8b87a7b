"""Posting a stored Slack message on the outgoing webhooks' schedule (webhooks_out/schedule.py).

Claim with a conditional update, record the attempt, post, record the outcome; retried with
the same exponential backoff for about a day, and a "sending" row left by a worker that
died is swept and sent again. Neither Slack's incoming webhooks nor chat.postMessage take an
idempotency key, so a worker killed after Slack took the post but before we recorded it can
post twice: at least once. A refusal that retrying cannot mend (channel_not_found,
invalid_auth, …) fails the post at once; `ratelimited` waits for Slack's Retry-After
(slack/client.py).
"""

from __future__ import annotations

import json
import logging

from inbox import queueing
from inbox.connectors import RateLimited, Rejected, Unavailable
from rules.destinations import UnsafeDestination, check_destination
from webhooks_out import schedule

from .client import SlackClient
from .models import DeliveryState, SlackMessage

log = logging.getLogger("switchboard.slack")


def queue_post(message_id: int, *, eta=None) -> None:
    from .tasks import post_to_slack

    queueing.publish(post_to_slack, (message_id,), eta=eta)


def claim(message_id: int) -> SlackMessage | None:
    return schedule.claim(SlackMessage, message_id)


def deliver(message_id: int) -> SlackMessage | None:
    message = claim(message_id)
    if message is None:
        return None
    target = message.target
    bot = "token" in target
    url = target.get("api", "") if bot else target.get("url", "")
    try:
        check_destination(url)  # the same SSRF guard as every outgoing post
    except UnsafeDestination as exc:
        _finish(message, DeliveryState.FAILED, error=str(exc))
        return message
    client = SlackClient(url if bot else "", token=target.get("token", ""))
    try:
        if bot:
            text = json.loads(message.body)["text"]
            client.post_message(target.get("channel", ""), text)
        else:
            client.post_webhook(url, message.body.encode())
    except Rejected as exc:
        _finish(message, DeliveryState.FAILED, response=client.last_response, error=str(exc))
    except RateLimited as exc:
        _retry_later(message, str(exc), client.last_response, when=exc.retry_at)
    except Unavailable as exc:
        _retry_later(message, str(exc), client.last_response)
    else:
        _finish(message, DeliveryState.DELIVERED, response=client.last_response)
    return message


def _finish(message: SlackMessage, state: str, *, response=None, error: str = "") -> None:
    status = response.status_code if response is not None else None
    if state == DeliveryState.DELIVERED:
        schedule.delivered(SlackMessage, message, last_status=status)
        return
    SlackMessage.objects.filter(pk=message.pk).update(
        state=state, last_error=error, last_status=status
    )
    log.warning("slack message %s failed: %s", message.pk, error)


def _retry_later(message: SlackMessage, error: str, response, *, when=None) -> None:
    """Again after the backoff, or when Slack's Retry-After says."""
    status = response.status_code if response is not None else None
    when = schedule.reschedule(
        SlackMessage, message, when=when, last_error=error, last_status=status
    )
    if when is None:
        _finish(
            message,
            DeliveryState.FAILED,
            response=response,
            error=f"gave up after {message.attempts} attempts: {error}",
        )
        return
    queue_post(message.pk, eta=when)


def due_for_sweep() -> list[int]:
    return schedule.due_for_sweep(SlackMessage)
