"""Context already stored: what a post or media is, as another conversation on it has it.

Platform-neutral: any channel whose items name a post or media by id reuses what one read
of it brought, so a busy post costs one call, not one per comment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .models import Conversation

if TYPE_CHECKING:
    from .models import Channel


def known_context(channel: Channel, external_id: str) -> dict[str, Any] | None:
    """The context already stored for this post or media on this channel, if any has text.

    A visitor post is its own conversation: its context says so (`by_visitor`), and the
    comments under it join it.
    """
    if not external_id:
        return None
    found = (
        Conversation.objects.filter(
            channel=channel, context_external_id=external_id, context__has_key="text"
        )
        .order_by("id")
        .values_list("context", flat=True)
        .first()
    )
    return dict(found) if isinstance(found, dict) else None
