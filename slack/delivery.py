"""Posting a stored Slack message: the outgoing webhooks' schedule and client.

Claim with a conditional update, record the attempt, post, record the outcome; retried with
webhooks_out's exponential backoff for about a day, and a "sending" row left by a worker that
died is swept and sent again. Neither Slack's incoming webhooks nor chat.postMessage take an
idempotency key, so a worker killed after Slack took the post but before we recorded it can
post twice: at least once. A refusal that retrying cannot mend (channel_not_found,
invalid_auth, …) fails the post at once; `ratelimited` waits for Slack's Retry-After
(slack/client.py).
"""

from __future__ import annotations

import json
import logging

from django.db.models import F
from django.utils import timezone

from inbox import queueing
from inbox.connectors import RateLimited, Rejected, Unavailable
from rules.destinations import UnsafeDestination, check_destination
from webhooks_out.delivery import MAX_ATTEMPTS, STALE_SENDING, backoff

from .client import SlackClient
from .models import DeliveryState, SlackMessage

log = logging.getLogger("switchboard.slack")


def queue_post(message_id: int, *, eta=None) -> None:
    from .tasks import post_to_slack

    queueing.publish(post_to_slack, (message_id,), eta=eta)


def claim(message_id: int) -> SlackMessage | None:
    now = timezone.now()
    claimed = SlackMessage.objects.filter(
        pk=message_id, state=DeliveryState.PENDING, next_attempt_at__lte=now
    ).update(state=DeliveryState.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    return SlackMessage.objects.get(pk=message_id) if claimed else None


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
    SlackMessage.objects.filter(pk=message.pk).update(
        state=state,
        last_error=error,
        last_status=response.status_code if response is not None else None,
        delivered_at=timezone.now() if state == DeliveryState.DELIVERED else None,
    )
    if error:
        log.warning("slack message %s failed: %s", message.pk, error)


def _retry_later(message: SlackMessage, error: str, response, *, when=None) -> None:
    """Again after the backoff, or when Slack's Retry-After says."""
    if message.attempts >= MAX_ATTEMPTS:
        _finish(
            message,
            DeliveryState.FAILED,
            response=response,
            error=f"gave up after {message.attempts} attempts: {error}",
        )
        return
    when = when or timezone.now() + backoff(message.attempts)
    SlackMessage.objects.filter(pk=message.pk, state=DeliveryState.SENDING).update(
        state=DeliveryState.PENDING,
        next_attempt_at=when,
        last_error=error,
        last_status=response.status_code if response is not None else None,
    )
    queue_post(message.pk, eta=when)


def due_for_sweep() -> list[int]:
    now = timezone.now()
    SlackMessage.objects.filter(
        state=DeliveryState.SENDING, last_attempt_at__lt=now - STALE_SENDING
    ).update(state=DeliveryState.PENDING, next_attempt_at=now)
    return list(
        SlackMessage.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
