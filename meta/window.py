"""The Messenger Platform's messaging windows, shared by Facebook and Instagram DMs.

Policy: https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
A reply is free within 24 hours of the customer's last message; after that, a person (not
automation) may answer up to 7 days later with the HUMAN_AGENT tag, if Meta approved the app.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from inbox.connectors import ComposerOption
from inbox.models import Conversation, ConversationKind

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


def human_agent_tag_available(conversation: Conversation, now: datetime | None = None) -> bool:
    """Offer the tag only where it is what makes a DM possible: after 24 h, within 7 days."""
    if not settings.META_HUMAN_AGENT_ENABLED or conversation.kind != ConversationKind.DM:
        return False
    if conversation.last_inbound_at is None:
        return False
    age = (now or timezone.now()) - conversation.last_inbound_at
    return MESSAGING_WINDOW < age <= HUMAN_AGENT_WINDOW


HUMAN_AGENT_OPTION = ComposerOption(
    name="human_agent_tag",
    label="Send with the human-agent tag",
    help="Past the 24-hour window, Meta allows a person's answer for 7 days with the "
    "HUMAN_AGENT tag.",
)


def composer_options(conversation: Conversation) -> list[ComposerOption]:
    """The composer's HUMAN_AGENT checkbox, where Meta's policy makes it the way to answer."""
    return [HUMAN_AGENT_OPTION] if human_agent_tag_available(conversation) else []
