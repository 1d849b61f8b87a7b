"""Routing: what must happen to each customer message after it is stored, made durable.

A stored customer message has `routed_at` NULL. Routing claims it by setting `routed_at`
with a conditional UPDATE and, in the same transaction, runs the routing listeners
(classification, SLA and rules, registered by the rules app so inbox/ does not import
rules/). Either all of that commits with the marker or none of it does: a worker killed
half-way, or a database that goes away, leaves the message unrouted, and the sweep routes
it again (after a grace) with nothing applied twice. A second router of the same message waits on the row and then finds
it claimed. The live announcement follows the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from . import live
from .models import Conversation, Direction, Message

log = logging.getLogger("switchboard.routing")

# (conversation, message, starts the conversation?) -> None; run in the routing transaction.
routing_listeners: list[Callable[..., None]] = []


def route_messages(message_ids: Iterable[int]) -> int:
    """Route each message (oldest first, as given); returns how many this call routed."""
    return sum(route_message(pk) for pk in message_ids)


def unrouted_in(conversation_ids: Iterable[int]) -> list[int]:
    """The customer messages of these conversations still to route, oldest first."""
    return list(
        _unrouted()
        .filter(conversation_id__in=list(conversation_ids))
        .order_by("platform_timestamp", "id")
        .values_list("pk", flat=True)
    )


def route_message(message_id: int) -> bool:
    with transaction.atomic():
        claimed = _unrouted().filter(pk=message_id).update(routed_at=timezone.now())
        if not claimed:
            return False  # routed already, or another worker holds it
        message = Message.objects.select_related("author_identity").get(pk=message_id)
        if not message.deleted:
            conversation = Conversation.objects.select_related(
                "channel", "contact", "assignee", "team"
            ).get(pk=message.conversation_id)
            message.conversation = conversation
            starts = not _routed_before(conversation, message).exists()
            for listener in routing_listeners:
                _run(listener, conversation, message, starts)
        live.conversation_changed(message.conversation_id)
    return True


def _run(listener, conversation: Conversation, message: Message, starts: bool) -> None:
    try:
        with transaction.atomic():
            listener(conversation, message, new_conversation=starts)
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable or locked: roll it all back, the sweep retries
    except Exception:
        # A bug in one step (bad data included) must not hold the message, or the sweep,
        # forever: it is logged, its savepoint undone, and the other steps still run.
        log.exception("routing listener %r failed on message %s", listener, message.pk)


def _unrouted():
    return Message.objects.filter(
        routed_at__isnull=True, direction=Direction.INBOUND, placeholder=False
    )


def _routed_before(conversation: Conversation, message: Message):
    """Customer messages of the conversation routed before this one (still standing)."""
    return Message.objects.filter(
        conversation=conversation,
        direction=Direction.INBOUND,
        routed_at__isnull=False,
        deleted=False,
    ).exclude(pk=message.pk)


def messages_due_for_sweep(grace: timedelta | None = None) -> list[int]:
    """Customer messages stored a while ago and still not routed: their worker died."""
    grace = grace if grace is not None else timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    return list(
        _unrouted()
        .filter(created_at__lte=timezone.now() - grace)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
