"""Time triggers: idle for N minutes, SLA due soon, SLA breached. Run by the beat tick.

Each rule fires once per wait: an idle rule once per customer message left unanswered, an
SLA rule once per due time. The AuditEvent of the previous hit is the memory of that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from inbox.models import AuditEvent, Conversation, ConversationState, Direction

from .engine import HIT_VERB, CompiledRule, current_ruleset, run_rules
from .item import Item
from .models import Trigger
from .sla import due_soon_q, due_soon_since

BATCH = 500


def _candidates(rule: CompiledRule, now: datetime):
    """(conversation, since) pairs: fire unless the rule already hit since `since`."""
    open_work = Conversation.objects.filter(state=ConversationState.OPEN, is_spam=False)
    if rule.trigger == Trigger.IDLE:
        found = open_work.filter(last_inbound_at__lte=now - timedelta(minutes=rule.minutes))
        return found, lambda c: c.last_inbound_at
    if rule.trigger == Trigger.SLA_DUE_SOON:
        # The same "due soon" as the inbox's badge (the policy's), unless the rule names
        # its own minutes.
        found = open_work.filter(due_soon_q(now, rule.minutes))
        return found, lambda c: due_soon_since(c, rule.minutes)
    found = open_work.filter(sla_due_at__lte=now)
    return found, lambda c: c.sla_due_at


def run_time_triggers(now: datetime | None = None) -> int:
    """Run every time rule on the conversations now due for it. Returns the hits."""
    now = now or timezone.now()
    ruleset = current_ruleset()
    hits = 0
    for trigger in (Trigger.IDLE, Trigger.SLA_DUE_SOON, Trigger.SLA_BREACHED):
        for rule in ruleset.for_trigger(trigger):
            conversations, since_of = _candidates(rule, now)
            for conversation in conversations.select_related(
                "channel", "contact", "assignee", "team"
            ).order_by("last_inbound_at")[:BATCH]:
                if _fired_since(rule, conversation, since_of(conversation)):
                    continue
                message = (
                    conversation.messages.filter(direction=Direction.INBOUND)
                    .select_related("author_identity")
                    .order_by("-platform_timestamp", "-id")
                    .first()
                )
                item = Item(conversation, message, now=now)
                hits += len(
                    run_rules(trigger=trigger, conversation=conversation, rules=[rule], item=item)
                )
    return hits


def _fired_since(rule: CompiledRule, conversation: Conversation, since: datetime | None) -> bool:
    hits = AuditEvent.objects.filter(conversation=conversation, verb=HIT_VERB, rule_name=rule.name)
    return hits.filter(Q(created_at__gte=since) if since else Q()).exists()
