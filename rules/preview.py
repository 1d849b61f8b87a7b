"""Preview a rule before saving: which recent customer messages it would have matched, and
what it makes of a text typed into the editor. Read-only: nothing runs, nothing is audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch

from inbox.models import Channel, Conversation, Direction, Message, Tag

from .classify import classify
from .engine import CompiledRule, compile_rule
from .item import Item
from .models import Rule

PREVIEW_SIZE = 500


@dataclass
class Preview:
    examined: int
    matches: list[tuple[Message, str]]


def recent_messages(limit: int = PREVIEW_SIZE) -> list[Message]:
    """The last `limit` customer messages, with what the conditions read, in few queries."""
    return list(
        Message.objects.filter(direction=Direction.INBOUND, deleted=False, placeholder=False)
        .select_related(
            "author_identity",
            "conversation__channel",
            "conversation__assignee",
            "conversation__contact",
        )
        .prefetch_related(Prefetch("conversation__tags", queryset=Tag.objects.only("name")))
        .order_by("-platform_timestamp", "-id")[:limit]
    )


def preview(rule: Rule, limit: int = PREVIEW_SIZE) -> Preview:
    """Raises RuleError when the rule does not compile."""
    compiled: CompiledRule = compile_rule(rule)
    messages = recent_messages(limit)
    matches = []
    for message in messages:
        why = compiled.test(Item(message.conversation, message))
        if why is not None:
            matches.append((message, why))
    return Preview(examined=len(messages), matches=matches)


@dataclass
class TextTrial:
    language: str
    intent: str
    intent_cue: str
    matched: str | None


def try_text(rule: Rule, text: str, channel: Channel | None = None) -> TextTrial:
    """The rule against a text as if it were a new comment (on `channel` if given)."""
    compiled = compile_rule(rule)
    result = classify(text)
    conversation = Conversation(kind="comment", channel=channel or Channel(kind="", name=""))
    item = Item(
        conversation,
        None,
        text=text,
        language=result.language,
        intent=result.intent.value,
        intent_confidence=result.confidence,
    )
    return TextTrial(
        language=result.language,
        intent=result.intent.value,
        intent_cue=result.matched,
        matched=compiled.test(item),
    )
