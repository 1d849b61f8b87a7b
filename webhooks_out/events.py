"""Turning a domain event into stored deliveries, one per subscription that wants it."""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.utils import timezone

from api.serializers import ConversationSerializer, MessageSerializer
from inbox.models import Conversation, Message

from .models import Delivery, Subscription


def payload(event: str, uid: str, conversation: Conversation, message: Message | None) -> dict:
    """The same shapes as the REST API's, so one client model reads both."""
    data = {"conversation": ConversationSerializer(conversation).data}
    if message is not None:
        data["message"] = MessageSerializer(message).data
    return {"id": uid, "type": event, "created_at": timezone.now().isoformat(), "data": data}


def emit(event: str, *, conversation_id: int, message: Message | None = None) -> int:
    """Store a delivery per interested subscription and queue each after commit.

    One query when nobody subscribed; the conversation is loaded only for a delivery."""
    subscriptions = [
        s for s in Subscription.objects.filter(enabled=True) if event in (s.events or [])
    ]
    if not subscriptions:
        return 0
    conversation = (
        Conversation.objects.select_related("channel", "contact", "assignee", "team")
        .prefetch_related("tags")
        .get(pk=conversation_id)
    )
    made = []
    for subscription in subscriptions:
        uid = f"evt_{uuid.uuid4().hex}"
        body = json.dumps(
            payload(event, uid, conversation, message), ensure_ascii=False, separators=(",", ":")
        )
        made.append(
            Delivery.objects.create(subscription=subscription, event=event, uid=uid, body=body)
        )
    from .delivery import queue_delivery

    for delivery in made:
        transaction.on_commit(lambda pk=delivery.pk: queue_delivery(pk))
    return len(made)
