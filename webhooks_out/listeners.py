"""Where the domain's events come from: the ingest (new conversations and customer
messages), state changes (closed) and the audit log (assigned)."""

from __future__ import annotations

from inbox.ingest import IngestResult
from inbox.models import Conversation, ConversationState, Message

from . import events
from .models import Event, Subscription


def on_ingest(result: IngestResult) -> None:
    """After the ingest committed (in the worker): one event per new thing."""
    if not Subscription.objects.filter(enabled=True).exists():
        return  # the usual case: one query per ingested event, not one per message
    for conversation in result.new_conversations:
        events.emit(Event.CONVERSATION_CREATED, conversation_id=conversation.pk)
    for stale in result.new_inbound:
        message = (Message.objects.select_related("author_identity", "author_agent")
                   .filter(pk=stale.pk).first())
        if message is not None:
            events.emit(Event.MESSAGE_CREATED, conversation_id=message.conversation_id,
                        message=message)


def on_state_change(conversation: Conversation, old_state: str, new_state: str) -> None:
    """Inside the operation's transaction: the delivery rows commit (or roll back) with it."""
    if new_state == ConversationState.CLOSED:
        events.emit(Event.CONVERSATION_CLOSED, conversation_id=conversation.pk)


def on_audit_event(sender, instance, created, **kwargs) -> None:
    # Only stores rows and registers an after-commit publish: no HTTP in here.
    if created and instance.verb in ("assigned", "unassigned") and instance.conversation_id:
        events.emit(Event.CONVERSATION_ASSIGNED, conversation_id=instance.conversation_id)
