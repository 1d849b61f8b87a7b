"""Toy actions: a table of performers by action kind, each `(action, client)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from inbox.connectors import Rejected
from inbox.models import ActionKind

from .client import ToyClient

if TYPE_CHECKING:
    from inbox.models import OutboundAction


def reply(action: OutboundAction, client: ToyClient) -> str:
    body = client.post(
        "/replies",
        json={"thread": action.conversation.external_thread_id, "text": action.message.text},
    )
    return str(body["id"])


PERFORMERS: dict[str, Callable[[OutboundAction, ToyClient], str]] = {ActionKind.REPLY: reply}


def perform(action: OutboundAction) -> str:
    performer = PERFORMERS.get(str(action.kind))
    if performer is None:
        raise Rejected(f"the toy channel cannot {action.kind}")
    return performer(action, ToyClient(action.channel))
