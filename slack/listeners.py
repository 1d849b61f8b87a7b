"""Where Slack's events come from: routing (new conversations) and the audit log
(assigned, notes). SLA warnings come from the beat's scan (notify.sla_scan)."""

from __future__ import annotations

import logging

from django.db import transaction

from inbox.models import Conversation, Message

from . import notify

log = logging.getLogger("switchboard.slack")


def on_routed(conversation: Conversation, message: Message, *, new_conversation: bool) -> None:
    if new_conversation:
        notify.new_conversation(conversation)


def on_audit_event(sender, instance, created, **kwargs) -> None:
    if not created or not instance.conversation_id:
        return
    if instance.verb not in ("assigned", "note"):
        return
    if notify.enabled_connection() is None:
        return
    try:
        # A savepoint: a failing Slack step must not undo the agent's assignment or note.
        with transaction.atomic():
            if instance.verb == "assigned":
                notify.assigned(instance)
            else:
                notify.mentioned(instance)
    except Exception:
        log.exception("slack listener failed on audit event %s", instance.pk)
