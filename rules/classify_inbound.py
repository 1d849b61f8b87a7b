"""The response scheme's first step: every customer message gets a language and an intent.

The message keeps its own (in `extra`, with the cue that decided it, for the timeline and
the rule preview); the conversation shows the latest detected language and the latest
intent that says something (an "ok, thanks" after a complaint does not erase it, nor does
a message the classifier is unsure about).
"""

from __future__ import annotations

from inbox import deferred
from inbox.models import Conversation, Message

from .classify import Classification, Intent, classify


def classify_message(message: Message) -> Classification:
    result = classify(message.text or "")
    extra = {
        **message.extra,
        "language": result.language,
        "intent": result.intent.value,
        "intent_cue": result.matched,
        "intent_confidence": result.confidence,
    }
    # In a routing batch, written with the batch's others at its end (inbox/deferred.py).
    deferred.update(Message, message.pk, extra=extra)
    message.extra = extra
    conversation = message.conversation
    updates = {}
    if result.language and result.language != conversation.language:
        updates["language"] = result.language
    says_nothing = result.intent in (Intent.OTHER, Intent.UNSURE)
    if result.intent != conversation.intent and (not says_nothing or not conversation.intent):
        updates["intent"] = result.intent.value
    if updates:
        deferred.update(Conversation, conversation.pk, **updates)
        for key, value in updates.items():
            setattr(conversation, key, value)
    return result
