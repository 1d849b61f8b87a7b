"""What routing does to each new customer message: classify, SLA, rules.

`on_customer_message` is registered in RulesConfig.ready() on
`inbox.routing.routing_listeners`; it runs in the worker inside the routing transaction that
marks the message routed, so a crash half-way applies nothing and the retry applies it all
once. `on_state_change` is registered on `inbox.conversations.state_listeners` and keeps
the SLA due time in step with the state.
"""

from __future__ import annotations

import logging

from inbox.models import Conversation, ConversationState, Message

from . import sla
from .classify_inbound import classify_message
from .engine import run_rules
from .models import Trigger

log = logging.getLogger("switchboard.rules")


def on_customer_message(
    conversation: Conversation, message: Message, *, new_conversation: bool
) -> None:
    classify_message(message)
    sla.refresh_due(conversation)
    if conversation.is_spam:
        return  # marked spam: new messages stay out of the scheme (and closed)
    priority = conversation.priority
    if new_conversation:
        run_rules(trigger=Trigger.NEW_CONVERSATION, conversation=conversation, message=message)
    run_rules(trigger=Trigger.NEW_MESSAGE, conversation=conversation, message=message)
    if conversation.state != "open" and conversation.sla_due_at is not None:
        sla.refresh_due(conversation)  # a rule closed or snoozed it: nothing is due
    elif conversation.priority != priority:
        sla.refresh_due(conversation)  # a rule changed the priority: another policy may fit


def on_state_change(conversation: Conversation, old_state: str, new_state: str) -> None:
    """Reopened (by an agent, a rule or a snooze ending): due again from now; else cleared."""
    if new_state == ConversationState.OPEN:
        sla.restart_due(conversation)
    else:
        sla.clear_due(conversation)
