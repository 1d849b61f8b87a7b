"""Where the domain's events come from: routing (new conversations and customer messages),
state changes (closed), the audit log (assigned) and the SLA tick (breached)."""

from __future__ import annotations

from inbox import memo
from inbox.models import Conversation, ConversationState, Message

from . import events
from .models import Event
from .subscribers import anyone_subscribed


def on_routed(conversation: Conversation, message: Message, *, new_conversation: bool) -> None:
    """Inside the routing transaction of a customer message (inbox/routing.py): the delivery
    rows commit with the routing, so a crash in between routes, and announces, it again."""
    if not memo.remembered("webhooks_out.anyone_subscribed", anyone_subscribed):
        return  # the usual case: one cache read per batch of routed messages
    if new_conversation:
        events.emit(Event.CONVERSATION_CREATED, conversation_id=conversation.pk)
    events.emit(Event.MESSAGE_CREATED, conversation_id=conversation.pk, message=message)


def on_state_change(conversation: Conversation, old_state: str, new_state: str) -> None:
    """Inside the operation's transaction: the delivery rows commit (or roll back) with it."""
    if new_state == ConversationState.CLOSED:
        events.emit(Event.CONVERSATION_CLOSED, conversation_id=conversation.pk)


def on_sla_breached(conversations: list[Conversation], now) -> None:
    """From the tick (rules.sla.announce_breaches), every minute while a breach lasts: the
    key makes it one delivery per conversation and due time."""
    if not conversations or not anyone_subscribed():
        return
    for conversation in conversations:
        assert conversation.sla_due_at is not None  # a breach is of a due time
        due = conversation.sla_due_at.isoformat()
        events.emit(
            Event.SLA_BREACHED,
            conversation_id=conversation.pk,
            key=f"sla.breached:{conversation.pk}:{due}",
            extra={"sla": {"due_at": due}},
        )


def on_audit_event(sender, instance, created, **kwargs) -> None:
    # Only stores rows and registers an after-commit publish: no HTTP in here.
    if created and instance.verb in ("assigned", "unassigned") and instance.conversation_id:
        events.emit(Event.CONVERSATION_ASSIGNED, conversation_id=instance.conversation_id)
