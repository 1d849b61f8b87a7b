"""The text of each Slack post, in Slack's mrkdwn.

Slack reads &, < and > as control characters (links, <@U123> mentions, <!channel>), so
anything a customer or agent typed is escaped to &amp; &lt; &gt; -- and only those three;
Slack shows other HTML entities literally.
https://api.slack.com/reference/surfaces/formatting#escaping
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from inbox.models import Conversation, Direction

QUOTED = 500


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(conversation: Conversation) -> str:
    url = settings.SITE_URL.rstrip("/") + reverse("inbox:conversation", args=[conversation.pk])
    return f"<{url}|Open the conversation>"


def customer_text(conversation: Conversation) -> str:
    message = (
        conversation.messages.filter(direction=Direction.INBOUND)
        .order_by("-platform_timestamp", "-id")
        .first()
    )
    return message.text if message else conversation.preview


def quote(text: str) -> str:
    text = text if len(text) <= QUOTED else text[:QUOTED] + "…"
    return "\n".join("> " + line for line in escape(text).splitlines() or [""])


def post(headline: str, conversation: Conversation, *, extra: str = "") -> str:
    """Headline (already escaped), where it came from, what the customer said, the link."""
    contact = conversation.contact.name if conversation.contact else "a customer"
    lines = [
        headline,
        f"{escape(contact)} on {escape(conversation.channel.name)}"
        f" ({escape(conversation.channel.kind)})",
        quote(customer_text(conversation)),
    ]
    if extra:
        lines.append(extra)
    lines.append(link(conversation))
    return "\n".join(lines)
