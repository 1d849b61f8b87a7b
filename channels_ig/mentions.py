"""A mention's text, author and media, read after it is shown (enrichment, never parsing).

The `mentions` webhook names only the media and, for a mention in a comment, the comment;
the mention is stored from those at once (parse.py) and its conversation asks for its
context. Here a worker reads it through the account — `mentioned_comment.comment_id(...)`
or `mentioned_media.media_id(...)` on the IG user, since the media is someone else's — and
fills in the message that was shown without its text.
https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/mentions
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from inbox import ingest, text
from inbox.connectors import Rejected
from inbox.models import Direction, Message

from .client import InstagramClient
from .parse import mention_item

if TYPE_CHECKING:
    from inbox.models import Channel, Conversation


def fetch(channel: Channel, conversation: Conversation) -> dict[str, Any] | None:
    """Read the mention, fill in its message, and return the conversation's context.

    Raises the client's typed errors (the enrichment backs off, or settles as withheld when
    Instagram will not show it); nothing is changed until the read succeeded.
    """
    message = (
        Message.objects.filter(conversation=conversation)
        .exclude(direction=Direction.OUTBOUND)
        .order_by("id")
        .first()
    )
    if message is None:
        return None
    # A customer's message, stored from the platform: its id and time are always known.
    assert message.external_id is not None and message.platform_timestamp is not None
    media_id = str((message.extra or {}).get("media_id") or "")
    on_comment = (message.extra or {}).get("mention") == "comment"
    client = InstagramClient.for_channel(channel)
    if on_comment:
        found = client.mentioned_comment(message.external_id)
    else:
        found = client.mentioned_media(media_id or message.external_id)
    if not found:
        raise Rejected("Instagram does not show this mention (removed, or no longer visible).")
    item = mention_item(
        media_id=media_id or message.external_id,
        comment_id=message.external_id if on_comment else "",
        found=found,
        at=message.platform_timestamp,
    )
    (item,) = text.storable_items([item])
    with transaction.atomic():
        identity = ingest.upsert_identity(item.author) if item.author else None
        updates: dict[str, Any] = {
            "text": item.text or "",
            "extra": {**(message.extra or {}), **item.extra},
        }
        if item.permalink:
            updates["permalink"] = item.permalink
        if identity is not None:
            updates["author_identity"] = identity
        Message.objects.filter(pk=message.pk).update(**updates)
        if identity is not None and conversation.contact_id is None:
            type(conversation).objects.filter(pk=conversation.pk, contact=None).update(
                contact=identity.contact
            )
    return item.context
