"""Saved replies: fill their variables for one conversation and one agent.

Variables: `{first_name}` (the customer's, with a fallback when unknown), `{agent_name}`,
`{order_number}`. Unknown `{words}` are left as typed, so a typo shows instead of vanishing.
"""

from __future__ import annotations

import re

from .models import Contact, Conversation, SavedReply

FIRST_NAME_FALLBACK = "there"
VARIABLES = ("first_name", "agent_name", "order_number")
_VARIABLE = re.compile(r"\{(\w+)\}")


def variables_for(
    *, conversation: Conversation, agent, customer: Contact | None = None
) -> dict[str, str]:
    """`customer` is whom the agent answers (selectors.latest_customer); in a comment thread
    that is the latest commenter, not necessarily the conversation's first one."""
    contact = customer or conversation.contact
    first_name = contact.first_name if contact else ""
    return {
        "first_name": first_name or FIRST_NAME_FALLBACK,
        "agent_name": (agent.first_name or agent.display_name) if agent else "",
        "order_number": contact.order_number if contact else "",
    }


def fill(body: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def filled_replies(
    replies: list[SavedReply], *, conversation: Conversation, agent, customer: Contact | None = None
) -> list[dict]:
    """What the composer's picker offers: title, shortcut and the filled-in text."""
    values = variables_for(conversation=conversation, agent=agent, customer=customer)
    return [
        {
            "id": r.pk,
            "title": r.title,
            "shortcut": r.shortcut,
            "text": fill(r.body, values),
            "handoff": r.handoff,
        }
        for r in replies
    ]


def with_signature(text: str, signature: str) -> str:
    signature = signature.strip()
    if not signature or text.rstrip().endswith(signature):
        return text
    return f"{text.rstrip()}\n{signature}"
