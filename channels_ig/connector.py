"""The Instagram connector: the few methods the inbox calls, each delegating to its module."""

from __future__ import annotations

from datetime import datetime

from inbox.connectors import (
    Capability,
    Connector,
    IdentityData,
    ParsedItem,
)
from inbox.models import ActionKind, ConversationKind, Message
from meta import window

from . import actions, client, mentions, parse, polling, webhooks
from .client import InstagramClient


class InstagramConnector(Connector):
    kind = "instagram"
    label = "Instagram"
    # No like: the Graph API offers no way to like an Instagram comment.
    capabilities = frozenset(
        {
            Capability.REPLY,
            Capability.PRIVATE_REPLY,
            Capability.DM,
            Capability.HIDE,
            Capability.UNHIDE,
            Capability.DELETE,
        }
    )
    max_text_length = 2200  # Instagram's limit for a comment or caption
    responsiveness = window.VERY_RESPONSIVE_BADGE  # the same measure for Instagram messages

    def handle_webhook(self, request):
        return webhooks.handle(request)

    def parse(self, event) -> list[ParsedItem]:
        items = parse.parse(event.payload, event.channel)
        actions.hold_unmatched_echoes(event.channel, items)
        return items

    def context_ids(self, event) -> list[str]:
        return parse.context_ids(event.payload)

    def poll(self, channel):
        return polling.poll(channel)

    def fetch_context(self, channel, conversation) -> dict | None:
        """A comment's media (caption, picture, link), or a mention's text and author."""
        if conversation.kind == ConversationKind.MENTION:
            return mentions.fetch(channel, conversation)
        media_id = conversation.context_external_id
        if not media_id or conversation.kind != ConversationKind.COMMENT:
            return None  # DMs carry their context already
        media = InstagramClient.for_channel(channel).media(media_id)
        return parse.context_of_media({"id": media_id, **media})

    def perform(self, action) -> str:
        return actions.perform(action)

    def find_landed(self, action) -> str | None:
        return actions.find_landed(action)

    def fetch_profile(self, channel, identity_external_id: str) -> IdentityData | None:
        return client.fetch_profile(channel, identity_external_id)

    def window_closes_at(self, conversation) -> datetime | None:
        if conversation.kind == ConversationKind.DM:
            return actions.dm_window_closes_at(conversation)
        if conversation.kind == ConversationKind.COMMENT:
            first = conversation.messages.filter(
                external_id=conversation.external_thread_id
            ).first()
            return actions.private_reply_closes_at(first)
        return None

    def answers(self, conversation):
        """A mention lives on someone else's media: Instagram takes a public reply there
        (POST /{ig-user-id}/mentions) but no private reply (that needs a comment on our own
        media) and no DM (the author is known only by username, there is no IGSID)."""
        if conversation.kind == ConversationKind.MENTION:
            return self.capabilities & {Capability.REPLY}
        return self.capabilities

    def human_agent_tag_available(self, conversation) -> bool:
        return window.human_agent_tag_available(conversation)

    def composer_options(self, conversation) -> list:
        return window.composer_options(conversation)

    def action_refusal(self, kind: str, message) -> str:
        if message.conversation.kind == ConversationKind.DM:
            return "Instagram messages cannot be hidden or deleted through the API."
        if message.conversation.kind == ConversationKind.MENTION:
            # Moderation applies to comments on our own media only; a mention lives on
            # someone else's (https://developers.facebook.com/docs/instagram-platform/
            # instagram-graph-api/reference/ig-comment#updating).
            return actions.NOT_ON_MENTIONS
        if kind in (ActionKind.HIDE, ActionKind.UNHIDE) and message.direction == "out":
            return "Our own comments are deleted, not hidden."
        return ""

    def permalink(self, channel, external_id: str) -> str:
        """Instagram has no public URL per comment; the media's permalink is the closest."""
        message = (
            Message.objects.filter(channel=channel, external_id=external_id)
            .select_related("conversation")
            .first()
        )
        if message is None or message.conversation.kind == ConversationKind.DM:
            return ""
        link = str((message.conversation.context or {}).get("permalink") or "")
        return link if link.startswith("https://www.instagram.com/") else ""
