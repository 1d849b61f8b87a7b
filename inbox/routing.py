"""Routing: what must happen to each customer message after it is stored, made durable.

A stored customer message has `routed_at` NULL. Routing claims it by setting `routed_at`
with a conditional UPDATE and, in the same transaction, runs the routing listeners
(classification, SLA and rules, registered by the rules app so inbox/ does not import
rules/). Either all of that commits with the marker or none of it does: a worker killed
half-way, or a database that goes away, leaves the message unrouted, and the sweep routes
it again (after a grace) with nothing applied twice. A second router of the same message
skips the row it holds (or, without SKIP LOCKED, waits and finds it claimed). The live
announcement follows the commit. The worker routes the messages of a batch of events in
one such transaction; a listener that fails is undone alone (the batch is routed again with
a savepoint per listener, which a batch that routes cleanly does without), and a database
error undoes the batch, which the sweep routes again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from . import deferred, live, memo, savepoints
from .models import Conversation, Direction, Message

log = logging.getLogger("switchboard.routing")

# Set in `Message.extra` while a message's text is still to be read from the platform (see
# `InboundItem.text_wanted`): rules and classification would read an empty message, so it
# is routed when the enrichment settles (inbox/enrich.py), whether or not the text came.
TEXT_WANTED = "text_wanted"

# (conversation, message, starts the conversation?) -> None; run in the routing transaction.
routing_listeners: list[Callable[..., None]] = []


def route_messages(message_ids: Iterable[int]) -> int:
    """Route each message (oldest first, as given) in one transaction; returns how many this
    call routed. The worker routes a whole batch of events' messages this way: one claim,
    one read of the messages and their conversations, one commit."""
    ids = list(dict.fromkeys(message_ids))
    if not ids:
        return 0
    # Optimistically first, the listeners in no savepoint (inbox/savepoints.py); if one
    # fails, that transaction rolls back whole and the batch is routed again with a
    # savepoint per listener, so that the failing step is undone alone.
    try:
        with savepoints.optimistic():
            return _route(ids)
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable or locked: the sweep retries
    except Exception:
        memo.drop_counts()  # what the rolled-back pass counted (rule hits)
        log.info("routing messages %s failed as a batch; routing each step alone", ids)
    return _route(ids)


def _route(ids: list[int]) -> int:
    # deferred.gathered(): the listeners' column writes in one UPDATE per table at the end.
    with transaction.atomic(), deferred.gathered():
        # Claimed with the rows locked, skipping those another router holds (PostgreSQL);
        # elsewhere the conditional UPDATE below is the claim and the batch is one message.
        # FOR NO KEY UPDATE, as the UPDATE itself takes: a plain FOR UPDATE would also block
        # another transaction's foreign-key check on these messages (a reply to one, an
        # outbound action naming it), which then waits on us while we wait on its
        # conversation — a deadlock seen with two webhooks of one conversation at once.
        if connection.features.has_select_for_update_skip_locked:
            ids = list(
                _unrouted()
                .filter(pk__in=ids)
                .select_for_update(skip_locked=True, no_key=True)
                .values_list("pk", flat=True)
            )
            if not ids:
                return 0
        elif len(ids) > 1:
            return sum(route_messages([pk]) for pk in ids)
        claimed = _unrouted().filter(pk__in=ids).update(routed_at=timezone.now())
        if not claimed:
            return 0  # routed already, or another worker holds it
        messages = sorted(
            Message.objects.select_related("author_identity").filter(pk__in=ids),
            key=lambda m: (m.platform_timestamp is None, m.platform_timestamp, m.pk),
        )
        conversations = Conversation.objects.select_related(
            "channel", "contact", "assignee", "team"
        ).in_bulk({m.conversation_id for m in messages})
        # Conversations that had a customer message routed before this batch.
        started = set(
            Message.objects.filter(
                conversation_id__in=list(conversations),
                direction=Direction.INBOUND,
                routed_at__isnull=False,
                deleted=False,
            )
            .exclude(pk__in=ids)
            .values_list("conversation_id", flat=True)
            .distinct()
        )
        seen: set[int] = set()
        for message in messages:
            if not message.deleted:
                conversation = conversations[message.conversation_id]
                if conversation.pk in seen:
                    # An earlier message of this batch changed it (rules, SLA): read it again.
                    deferred.flush()
                    conversation.refresh_from_db()
                seen.add(conversation.pk)
                message.conversation = conversation
                starts = conversation.pk not in started
                for listener in routing_listeners:
                    _run(listener, conversation, message, starts)
                started.add(conversation.pk)
            live.conversation_changed(message.conversation_id)
        deferred.flush()
        memo.write_counts()  # what the listeners counted (rule hits), in this commit
    return claimed


def unrouted_in(conversation_ids: Iterable[int]) -> list[int]:
    """The customer messages of these conversations still to route, oldest first."""
    return list(
        _unrouted()
        .filter(conversation_id__in=list(conversation_ids))
        .order_by("platform_timestamp", "id")
        .values_list("pk", flat=True)
    )


def route_message(message_id: int) -> bool:
    return bool(route_messages([message_id]))


def _run(listener, conversation: Conversation, message: Message, starts: bool) -> None:
    try:
        with savepoints.atomic():
            listener(conversation, message, new_conversation=starts)
    except (OperationalError, InterfaceError):
        raise  # the database is unreachable or locked: roll it all back, the sweep retries
    except Exception:
        if not savepoints.careful():
            raise  # the optimistic pass: route the batch again, step by step
        # A bug in one step (bad data included) must not hold the message, or the sweep,
        # forever: it is logged, its savepoint undone, and the other steps still run.
        log.exception("routing listener %r failed on message %s", listener, message.pk)


def _unrouted():
    return Message.objects.filter(
        ~Q(extra__has_key=TEXT_WANTED),
        routed_at__isnull=True,
        direction=Direction.INBOUND,
        placeholder=False,
    )


def text_settled(conversation_ids: Iterable[int]) -> list[int]:
    """The enrichment of these conversations settled: their messages that waited for their
    text may be routed now (with it, or without if the platform would not show it)."""
    waiting = Message.objects.filter(
        conversation_id__in=list(conversation_ids), extra__has_key=TEXT_WANTED
    )
    for message in waiting.only("pk", "extra"):
        extra = {k: v for k, v in message.extra.items() if k != TEXT_WANTED}
        Message.objects.filter(pk=message.pk).update(extra=extra)
    return unrouted_in(conversation_ids)


def messages_due_for_sweep(grace: timedelta | None = None) -> list[int]:
    """Customer messages stored a while ago and still not routed: their worker died."""
    grace = grace if grace is not None else timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    return list(
        _unrouted()
        .filter(created_at__lte=timezone.now() - grace)
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )
