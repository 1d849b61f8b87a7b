"""The Messenger Platform's messaging windows, shared by Facebook and Instagram DMs.

Policy: https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
A reply is free within 24 hours of the customer's last message; after that, a person (not
automation) may answer up to 7 days later with the HUMAN_AGENT tag, if Meta approved the app.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from inbox.connectors import ComposerOption, Responsiveness
from inbox.models import Conversation, ConversationKind

MESSAGING_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)

# Meta's "Very responsive to messages" badge: over the last 7 days, a response rate of
# 90 % and a response time of 15 minutes, on private messages; spam, instant replies and
# away messages do not count (Meta Business Help Centre, "Learn how Facebook Pages get
# the 'Very responsive to messages' badge"). Wall clock: Meta applies no business hours.
VERY_RESPONSIVE_BADGE = Responsiveness(
    within=timedelta(minutes=15),
    kinds=frozenset({ConversationKind.DM}),
    name="Very responsive badge",
)


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
