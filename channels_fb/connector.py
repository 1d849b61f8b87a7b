"""The Facebook Page connector: feed comments, visitor posts and Messenger.

Class attributes and short methods delegating to webhooks, parse, polling, actions, client
and context (docs/adding-a-channel.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from inbox.connectors import (
    Capability,
    Connector,
    EventToStore,
    IdentityData,
    ParsedItem,
    PollResult,
)
from inbox.models import ActionKind, ConversationKind, Direction
from meta import window

from . import actions, client, context, parse, polling, webhooks

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from inbox.models import Channel, Conversation, InboundEvent, OutboundAction


class FacebookConnector(Connector):
    kind = "facebook"
    label = "Facebook Page"
    connect_url_name = "channels_fb:connect"
    responsiveness = window.VERY_RESPONSIVE_BADGE
    capabilities = frozenset(
        {
            Capability.REPLY,
            Capability.PRIVATE_REPLY,
            Capability.DM,
            Capability.LIKE,
            Capability.UNLIKE,
            Capability.HIDE,
            Capability.UNHIDE,
            Capability.DELETE,
        }
    )

    # ---- inbound ----------------------------------------------------------------------------

    def handle_webhook(self, request: HttpRequest) -> HttpResponse | list[EventToStore]:
        return webhooks.handle(request)

    def parse(self, event: InboundEvent) -> list[ParsedItem]:
        assert event.channel is not None  # the ingest fails events without one before parsing
        return parse.parse(event.payload, event.channel)

    def context_ids(self, event: InboundEvent) -> list[str]:
        return parse.context_ids(event.payload)

    def fetch_context(self, channel: Channel, conversation: Conversation) -> dict | None:
        return context.fetch(channel, conversation)

    def poll(self, channel: Channel) -> PollResult:
        return polling.poll(channel)

    # ---- outbound ---------------------------------------------------------------------------

    def perform(self, action: OutboundAction) -> str:
        return actions.perform(action)

    def find_landed(self, action: OutboundAction) -> str | None:
        return actions.find_landed(action)

    # ---- the rest ---------------------------------------------------------------------------

    def window_closes_at(self, conversation: Conversation) -> datetime | None:
        if conversation.kind == "dm":
            if conversation.last_inbound_at is None:
                return None
            return conversation.last_inbound_at + window.MESSAGING_WINDOW
        if conversation.first_inbound_at is None:
            return None
        return conversation.first_inbound_at + actions.PRIVATE_REPLY_WINDOW

    def human_agent_tag_available(self, conversation) -> bool:
        return window.human_agent_tag_available(conversation)

    def composer_options(self, conversation) -> list:
        return window.composer_options(conversation)

    def action_refusal(self, kind: str, message) -> str:
        # Messenger messages are not Graph objects one can like, hide or delete; the Page
        # likes and hides what others wrote, and deletes comments (its own included).
        if message.conversation.kind == ConversationKind.DM:
            return "Messenger messages cannot be liked, hidden or deleted through the API."
        if kind in (ActionKind.LIKE, ActionKind.HIDE) and message.direction == Direction.OUTBOUND:
            return "The Page does not like or hide its own comments."
        if kind in (ActionKind.HIDE, ActionKind.UNHIDE) and message.external_id == (
            message.conversation.context_external_id
        ):
            return "Hide the post's comments; a visitor post itself is deleted, not hidden."
        return ""

    def permalink(self, channel: Channel, external_id: str) -> str:
        if not external_id or external_id.startswith(("m_", "mid.")):
            return ""  # Messenger messages have no public address
        if external_id.startswith(f"{channel.external_id}_"):
            return parse.post_permalink(external_id)
        return parse.comment_permalink(external_id)

    def fetch_profile(self, channel: Channel, identity_external_id: str) -> IdentityData | None:
        return client.fetch_profile(channel, identity_external_id)
