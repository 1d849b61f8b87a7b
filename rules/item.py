"""What a rule looks at: one customer message in its conversation, read lazily and once.

Each property is computed on first use and kept for the rest of the evaluation, so 500
rules asking for the normalised text or the tags cost one normalisation and one query.
Actions that change the conversation call `changed()` so later rules see the new state.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cached_property

from django.utils import timezone

from inbox.models import Conversation, ConversationKind, Direction, Message

from .classify import head, normalize

LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|io|ly|me|shop|xyz|ee|ru)"
    r"(?:/\S*)?\b",
    re.IGNORECASE,
)

# Properties that reflect the conversation's current state; dropped by `changed()`.
_CURRENT_STATE = ("tags",)


class Item:
    def __init__(
        self,
        conversation: Conversation,
        message: Message | None = None,
        *,
        now: datetime | None = None,
        text: str | None = None,
        language: str | None = None,
        intent: str | None = None,
        intent_confidence: float | None = None,
    ):
        self.conversation = conversation
        self.message = message
        self.now = now or timezone.now()
        self._text = text
        self._language = language
        self._intent = intent
        self._intent_confidence = intent_confidence

    # -- the message --
    @cached_property
    def text(self) -> str:
        if self._text is not None:
            return self._text
        return self.message.text if self.message is not None else self.conversation.preview

    @cached_property
    def head(self) -> str:
        """What conditions read: the first classify.MAX_CHARS characters of the text, so
        that a 100,000-character comment costs a rule no more than a long one."""
        return head(self.text)

    @cached_property
    def normalized(self) -> str:
        return normalize(self.head)

    @cached_property
    def language(self) -> str:
        if self._language is not None:
            return self._language
        extra = self.message.extra if self.message is not None else {}
        return extra.get("language") or self.conversation.language

    @cached_property
    def intent(self) -> str:
        if self._intent is not None:
            return self._intent
        extra = self.message.extra if self.message is not None else {}
        return extra.get("intent") or self.conversation.intent

    @cached_property
    def intent_confidence(self) -> float | None:
        """The classifier's calibrated probability for its intent, 0..1 (None: unknown)."""
        if self._intent_confidence is not None:
            return self._intent_confidence
        extra = self.message.extra if self.message is not None else {}
        value = extra.get("intent_confidence")
        return float(value) if isinstance(value, int | float) else None

    @cached_property
    def attachments(self) -> list:
        return list(self.message.attachments) if self.message is not None else []

    @cached_property
    def has_link(self) -> bool:
        if LINK.search(self.head):
            return True
        return any(a.get("type") in ("link", "fallback", "share") for a in self.attachments)

    @cached_property
    def item_kind(self) -> str:
        """comment, reply, post, dm, mention or search: the conversation's kind, except
        that an answer under something other than the post itself is a reply."""
        kind = self.conversation.kind
        message = self.message
        if (
            message is not None
            and kind != ConversationKind.DM
            and message.parent_external_id
            and message.parent_external_id != self.conversation.context_external_id
        ):
            return "reply"
        return kind

    # -- the author --
    @cached_property
    def identity(self):
        return self.message.author_identity if self.message is not None else None

    @cached_property
    def contact_id(self) -> int | None:
        return self.conversation.contact_id

    @cached_property
    def is_returning(self) -> bool:
        """The customer wrote to us before, in another conversation that began earlier."""
        if not self.contact_id or not self.conversation.pk:
            return False
        return (
            Conversation.objects.filter(
                contact_id=self.contact_id, created_at__lt=self.conversation.created_at
            )
            .exclude(pk=self.conversation.pk)
            .exists()
        )

    @cached_property
    def author_tags(self) -> set[str]:
        """Tags the customer carries: those on any of their conversations, and any kept on
        the contact (contact.fields["tags"])."""
        if not self.contact_id:
            return set()
        from inbox.models import Tag

        names = set(
            Tag.objects.filter(conversations__contact_id=self.contact_id).values_list(
                "name", flat=True
            )
        )
        contact = self.conversation.contact
        extra = contact.fields.get("tags", []) if contact is not None else []
        if isinstance(extra, list):
            names.update(str(n) for n in extra)
        return {n.casefold() for n in names}

    # -- the conversation's current state --
    @cached_property
    def tags(self) -> set[str]:
        if not self.conversation.pk:
            return set()
        # .all(), not values_list: the preview prefetches the tags of 500 conversations.
        return {tag.name.casefold() for tag in self.conversation.tags.all()}

    @cached_property
    def calendar(self):
        from .sla import calendar_for

        return calendar_for(self.conversation)

    @cached_property
    def within_business_hours(self) -> bool:
        at = (
            self.message.platform_timestamp
            if self.message is not None and self.message.platform_timestamp
            else self.now
        )
        return self.calendar.is_open(at)

    @cached_property
    def target(self) -> Message | None:
        """The customer message an action like "like" or "hide" applies to."""
        if self.message is not None and self.message.pk:
            return self.message
        if not self.conversation.pk:
            return None
        return (
            self.conversation.messages.filter(direction=Direction.INBOUND, deleted=False)
            .exclude(external_id=None)
            .order_by("-platform_timestamp", "-id")
            .first()
        )

    def changed(self) -> None:
        for name in _CURRENT_STATE:
            self.__dict__.pop(name, None)
