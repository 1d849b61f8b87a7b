"""Managers correct a conversation's intent; each correction is a labelled example.

The example is the conversation's latest customer message (what the intent was read
from), with what the classifier said and what the manager says.  `export_jsonl` writes
them in the training set's format for `rules/intent_data/`; they are for retraining only,
never for scoring (whoever corrected saw the classifier's answer).
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django.db import transaction

from inbox.models import AuditEvent, Conversation, Direction, Message

from .classify import Intent, head
from .models import IntentCorrection

CORRECTABLE = tuple(i.value for i in Intent.labels())


class NotAnIntent(ValueError):
    pass


@transaction.atomic
def correct_intent(conversation: Conversation, intent: str, user) -> IntentCorrection:
    if intent not in CORRECTABLE:
        raise NotAnIntent(f"{intent!r} is not one of {', '.join(CORRECTABLE)}")
    message = (
        Message.objects.filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-created_at", "-pk")
        .first()
    )
    # What the classifier read: the first MAX_CHARS characters.
    text = head((message.text if message is not None else conversation.preview) or "")
    language = (message.extra.get("language") if message is not None else "") or ""
    predicted = conversation.intent
    correction = IntentCorrection.objects.create(
        conversation=conversation,
        message=message,
        text=text,
        language=language or conversation.language,
        predicted=predicted,
        intent=intent,
        corrected_by=user,
    )
    Conversation.objects.filter(pk=conversation.pk).update(intent=intent)
    conversation.intent = intent
    # On the conversation's timeline: "Mia: intent corrected (other → complaint)".
    AuditEvent.objects.create(
        conversation=conversation,
        actor=user,
        verb="intent_corrected",
        data={"reason": f"{predicted or 'none'} → {intent}", "intent": intent},
    )
    return correction


def export_rows(corrections: Iterable[IntentCorrection]) -> Iterable[str]:
    """One JSON line per correction: {"text", "language", "intent"} plus where it came from."""
    for c in corrections:
        row = {
            "text": c.text,
            "language": c.language,
            "intent": c.intent,
            "predicted": c.predicted,
            "corrected_at": c.created_at.isoformat(),
            "source": "correction",
        }
        yield json.dumps(row, ensure_ascii=False)
