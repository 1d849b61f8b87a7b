"""Toy items as platform-free items: a table of handlers by the item's `type`; pure."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from inbox.connectors import IdentityData, InboundItem, ItemKind, ParsedItem, UnsupportedItem

if TYPE_CHECKING:
    from inbox.models import Channel


def comment(payload: dict, channel: Channel) -> list[ParsedItem]:
    author = payload.get("from") or {}
    return [
        InboundItem(
            kind=ItemKind.COMMENT,
            external_id=str(payload["id"]),
            thread_id=str(payload.get("thread") or payload["id"]),
            conversation_kind="comment",
            timestamp=datetime.fromtimestamp(payload["ts"], UTC),
            author=IdentityData(
                platform="toy", external_id=str(author["id"]), name=str(author.get("name", ""))
            )
            if author.get("id")
            else None,
            text=str(payload.get("text") or ""),
        )
    ]


HANDLERS: dict[str, Callable[[dict, Channel], list[ParsedItem]]] = {"comment": comment}


def parse(payload: dict, channel: Channel) -> list[ParsedItem]:
    handler = HANDLERS.get(str(payload.get("type")))
    if handler is None:
        return [UnsupportedItem(f"toy item of type {payload.get('type')!r} is not handled")]
    return handler(payload, channel)
