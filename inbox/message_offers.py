"""What each message of the thread offers an agent (Like, Unlike, Hide, Unhide, Delete) and
where each of those forms posts, worked out once per pane in Python.

In the template this was five `allows` filter calls and up to ten `{% url %}` tags a
message, most of a message's rendering (issue 10). The URLs are reversed once and filled in
per message, as inbox/pane_links.py does for the pane's own forms; whether a message offers
an action is the connector's answer, as the `allows` filter gives it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .connectors import Capability
from .models import Conversation, Direction, Message
from .url_fill import url_filler


@dataclass(frozen=True)
class Offer:
    """Where each action a message offers posts; "" where it does not offer it. Delete is
    shown only to those who may delete (the template asks, as that costs a query)."""

    like: str = ""
    unlike: str = ""
    hide: str = ""
    unhide: str = ""
    delete: str = ""


NOTHING = Offer()


def _offered(connector, message: Message, kind: str) -> bool:
    """The `allows` filter's answer: the channel can do `kind` to this very message."""
    return connector.supports(Capability(kind)) and not connector.action_refusal(kind, message)


def offers(conversation: Conversation, messages: list[Message]) -> list[tuple[Message, Offer]]:
    """The thread's messages, each with what it offers: only what a customer or the platform
    wrote, has an id there and is not deleted offers anything."""
    try:
        connector = conversation.channel.connector
    except LookupError:  # a kind whose app is no longer installed offers nothing
        connector = None
    # Reversed once with stand-ins for a message's id and the action, then filled in.
    url = url_filler("inbox:message_action", 999999999, "kind")
    thread = []
    for message in messages:
        if (
            connector is None
            or message.direction == Direction.OUTBOUND
            or not message.external_id
            or message.deleted
        ):
            thread.append((message, NOTHING))
            continue
        wanted = {
            "like": not message.liked,
            "unlike": message.liked,
            "hide": not message.hidden,
            "unhide": message.hidden,
            "delete": True,
        }
        thread.append(
            (
                message,
                Offer(
                    **{
                        kind: url(message.pk, kind)
                        for kind, shown in wanted.items()
                        if shown and _offered(connector, message, kind)
                    }
                ),
            )
        )
    return thread
