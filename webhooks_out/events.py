"""Turning a domain event into stored deliveries, one per subscription that wants it."""

from __future__ import annotations

import json
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from api.serializers import ConversationSerializer, MessageSerializer
from inbox import deferred
from inbox.models import Conversation, Message

from .models import Delivery, Subscription
from .subscribers import anyone_subscribed


def conversation_data(
    conversation: Conversation, message: Message | None = None, extra: dict | None = None
) -> dict:
    """The same shapes as the REST API's, so one client model reads both."""
    data = {"conversation": ConversationSerializer(conversation).data}
    if message is not None:
        data["message"] = MessageSerializer(message).data
    data.update(extra or {})
    return data


def envelope(event: str, uid: str, data: dict) -> str:
    """The body every delivery sends, byte for byte on each attempt (docs/webhooks.md)."""
    body = {"id": uid, "type": event, "created_at": timezone.now().isoformat(), "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def new_uid() -> str:
    return f"evt_{uuid.uuid4().hex}"


def store(subscription: Subscription, event: str, uid: str, body: str, key: str = ""):
    """One delivery row, queued after commit; None if this key was stored before."""
    try:
        with transaction.atomic():  # a savepoint: a duplicate key must not undo the caller
            delivery = Delivery.objects.create(
                subscription=subscription, event=event, uid=uid, body=body, key=key
            )
    except IntegrityError:
        if not key:
            raise
        return None
    from .delivery import queue_delivery

    transaction.on_commit(lambda: queue_delivery(delivery.pk))
    return delivery


def emit(
    event: str,
    *,
    conversation_id: int,
    message: Message | None = None,
    key: str = "",
    extra: dict | None = None,
) -> int:
    """Store a delivery per interested subscription and queue each after commit.

    With a `key`, each subscription gets the event once however often it is emitted.
    No query when nobody subscribed; the conversation is loaded only for a delivery."""
    if not anyone_subscribed():
        return 0
    subscriptions = [
        s for s in Subscription.objects.filter(enabled=True) if event in (s.events or [])
    ]
    if key:
        done = set(
            Delivery.objects.filter(key=key, subscription__in=subscriptions).values_list(
                "subscription_id", flat=True
            )
        )
        subscriptions = [s for s in subscriptions if s.pk not in done]
    if not subscriptions:
        return 0
    deferred.flush()  # a routing batch's gathered columns (language, SLA), read just below
    conversation = (
        Conversation.objects.select_related("channel", "contact", "assignee", "team")
        .prefetch_related("tags")
        .get(pk=conversation_id)
    )
    made = 0
    for subscription in subscriptions:
        uid = new_uid()
        body = envelope(event, uid, conversation_data(conversation, message, extra))
        made += store(subscription, event, uid, body, key) is not None
    return made


def rule_subscription(url: str) -> Subscription:
    """The subscription holding a rule's calls to `url`: made on first use, with its own
    secret, shown on the Webhooks page like a manager's."""
    from .signing import new_secret

    subscription, _ = Subscription.objects.get_or_create(
        url=url, for_rules=True, defaults={"events": [], "signing": {"secret": new_secret()}}
    )
    return subscription


def call(url: str, data: dict, *, event: str) -> Delivery:
    """A rule's (or a storm's) POST to a URL it names: a stored, signed delivery, retried
    and redeliverable like a subscription's events. Queued after the caller commits."""
    uid = new_uid()
    return store(rule_subscription(url), event, uid, envelope(event, uid, data))
