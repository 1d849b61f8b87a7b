"""Enrichment: fill in what a thread answers (its post, media or tweet) after it is shown.

The ingest stores a customer item from what the platform sent and, when the item says its
context is incomplete, marks the conversation `context_state="wanted"` in the same commit.
Here a worker reads the context through the connector (`Connector.fetch_context`) and merges
it in. The marker lives in the database, so a broker outage or a dead worker loses nothing:
the sweep queues whatever is due. A throttle or an outage backs off; a dead token parks the
work until the channel is reconnected (`channels.reconnect` wakes it); a post the platform
will not show is settled as "withheld" with what the webhook said. Reads are safe to
repeat, so two workers on one conversation cost a call, never a wrong row.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from . import channels, live, queueing, routing
from .connectors import AuthExpired, ConnectorError, RateLimited, Rejected
from .models import Channel, ChannelStatus, ContextState, Conversation

log = logging.getLogger("switchboard.enrich")

# A claim holds a conversation this long; a worker that died with it is retried after.
LEASE = timedelta(minutes=2)
FIRST_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)


def retry_at(attempts: int, at=None):
    """When to read again after `attempts` failed reads: the platform's own estimate when it
    gave one, else doubling from FIRST_BACKOFF up to MAX_BACKOFF. Profiles use it too."""
    delay = min(FIRST_BACKOFF * 2 ** (max(attempts, 1) - 1), MAX_BACKOFF)
    return at or timezone.now() + delay


def queue_context(conversation_ids) -> None:
    """Queue a fetch for the conversations marked wanted (after the commit that marked them):
    one per post or media, as a batch of comments under one post shares its read (_settle)."""
    from .tasks import fetch_context

    conversation_ids = set(conversation_ids)
    if len(conversation_ids) > 1:
        conversation_ids = _one_per_context(Conversation.objects.filter(pk__in=conversation_ids))
    for conversation_id in sorted(conversation_ids):
        if not queueing.publish(fetch_context, (conversation_id,)):
            return  # broker down: the marker is stored and the sweep queues it later


def first_due(channel: Channel, external_id: str):
    """When a newly wanted context may be read: now, or, when a read of the same post is
    already waiting (backing off, throttled, leased), with that one, so that a burst of
    comments during an outage or a throttle does not hammer the platform."""
    now = timezone.now()
    waiting = Conversation.objects.filter(
        channel=channel, context_external_id=external_id, context_state=ContextState.WANTED
    ).aggregate(Max("context_due_at"))["context_due_at__max"]
    return max(now, waiting) if waiting else now


def _claim(conversation_id: int) -> Conversation | None:
    now = timezone.now()
    claimed = Conversation.objects.filter(
        pk=conversation_id,
        context_state=ContextState.WANTED,
        context_due_at__lte=now,
    ).update(context_due_at=now + LEASE, context_attempts=F("context_attempts") + 1)
    if not claimed:
        return None
    return Conversation.objects.select_related("channel").get(pk=conversation_id)


def fetch_context(conversation_id: int) -> str:
    """Fetch and store one conversation's context; returns what happened, in words."""
    conversation = _claim(conversation_id)
    if conversation is None:
        return "not due"
    channel = conversation.channel
    if channel.status != ChannelStatus.ACTIVE:
        return "waiting for the channel to be reconnected"
    try:
        fetched = channel.connector.fetch_context(channel, conversation)
    except Rejected as exc:
        _settle(conversation, {}, ContextState.WITHHELD, str(exc))
        return "withheld"
    except AuthExpired as exc:
        channels.mark_needs_reconnect(channel, str(exc))
        _back_off(conversation, str(exc))
        return "waiting for the channel to be reconnected"
    except RateLimited as exc:
        _back_off(conversation, str(exc), at=exc.retry_at)
        return "throttled"
    except ConnectorError as exc:
        _back_off(conversation, str(exc))
        return "unavailable"
    _settle(conversation, fetched or {}, ContextState.COMPLETE)
    return "loaded"


def _settle(
    conversation: Conversation, fetched: dict[str, Any], state: str, error: str = ""
) -> None:
    """Store the outcome on this conversation and on every other still waiting for the same
    post or media of the channel: one read serves all comments under a busy post. Then the
    messages that waited for their text are routed (the sweep routes them if this fails)."""
    same = Q(pk=conversation.pk)
    if conversation.context_external_id:
        same |= Q(
            channel_id=conversation.channel_id,
            context_external_id=conversation.context_external_id,
            context_state=ContextState.WANTED,
        )
    with transaction.atomic():
        settled = []
        for waiting in Conversation.objects.select_for_update(no_key=True).filter(same):
            Conversation.objects.filter(pk=waiting.pk).update(
                context={**waiting.context, **fetched},
                context_state=state,
                context_due_at=None,
                context_error=error[:500],
            )
            live.conversation_changed(waiting.pk)
            settled.append(waiting.pk)
        to_route = routing.text_settled(settled)
    try:
        routing.route_messages(to_route)
    except Exception:
        log.exception("routing after the context of %s failed; the sweep retries it", settled)


def _back_off(conversation: Conversation, error: str, *, at=None) -> None:
    """Read again later; the others waiting for the same post wait with it (first_due)."""
    due = retry_at(conversation.context_attempts, at)
    Conversation.objects.filter(pk=conversation.pk, context_state=ContextState.WANTED).update(
        context_due_at=due, context_error=error[:500]
    )
    if conversation.context_external_id:
        Conversation.objects.filter(
            channel_id=conversation.channel_id,
            context_external_id=conversation.context_external_id,
            context_state=ContextState.WANTED,
            context_due_at__lt=due,
        ).update(context_due_at=due)
    log.info("context of conversation %s not loaded yet: %s", conversation.pk, error)


def contexts_due_for_sweep(grace: timedelta | None = None) -> list[int]:
    """One conversation per post or media still wanted and due, on channels that can read.

    The grace leaves freshly marked ones to the fetch queued after their commit.
    """
    grace = grace if grace is not None else timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    return _one_per_context(
        Conversation.objects.filter(
            context_state=ContextState.WANTED,
            context_due_at__lte=timezone.now() - grace,
            channel__status=ChannelStatus.ACTIVE,
        )
    )


def wake_after_reconnect(channel: Channel) -> list[int]:
    """A reconnected channel can read again: what waited on it is due now. Call in the
    reconnect's transaction; returns the conversations to queue after the commit."""
    waiting = Conversation.objects.filter(channel=channel, context_state=ContextState.WANTED)
    waiting.update(context_due_at=timezone.now())
    return _one_per_context(waiting)


def _one_per_context(wanted) -> list[int]:
    # One fetch settles every conversation waiting for the same post (see _settle).
    rows = wanted.order_by("context_due_at").values_list("pk", "channel_id", "context_external_id")[
        :1000
    ]
    first: dict[tuple[int, str], int] = {}
    for pk, channel_id, external_id in rows:
        first.setdefault((channel_id, external_id or f"#{pk}"), pk)
    return list(first.values())
