"""Context already stored: what a post or media is, as another conversation on it has it.

Platform-neutral: any channel whose items name a post or media by id reuses what one read
of it brought, so a busy post costs one call, not one per comment.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
from typing import TYPE_CHECKING, Any

from django.db import connection

from .models import Conversation

if TYPE_CHECKING:
    from .models import Channel

# (channel id, post or media id) -> its stored context (None: none), read ahead for a batch.
_ahead: contextvars.ContextVar[dict[tuple[int, str], dict | None] | None] = contextvars.ContextVar(
    "contexts_read_ahead", default=None
)

# One probe of the (channel, context_external_id, id) index per id, in one statement.
READ_AHEAD = """
SELECT wanted.id, (
    SELECT c.context FROM inbox_conversation c
    WHERE c.channel_id = %s AND c.context_external_id = wanted.id AND c.context ? 'text'
    ORDER BY c.id LIMIT 1)
FROM unnest(%s::text[]) AS wanted(id)
"""


@contextlib.contextmanager
def read_ahead(wanted: dict[int, set[str]]):
    """Within the block `known_context` answers for these ids (by channel id) from one read
    made now, one statement per channel: a batch of fifty comments reads their posts'
    stored context once, not once each (issue 10). Any other id is read as before. On
    PostgreSQL; elsewhere the block changes nothing."""
    if connection.vendor != "postgresql" or not any(wanted.values()):
        yield
        return
    found: dict[tuple[int, str], dict | None] = {}
    with connection.cursor() as cursor:
        for channel_id, ids in wanted.items():
            cursor.execute(READ_AHEAD, [channel_id, sorted(ids)])
            for external_id, context in cursor.fetchall():
                if isinstance(context, str):  # Django leaves jsonb undecoded for its fields
                    context = json.loads(context)
                found[(channel_id, external_id)] = context if isinstance(context, dict) else None
    token = _ahead.set(found)
    try:
        yield
    finally:
        _ahead.reset(token)


def known_context(channel: Channel, external_id: str) -> dict[str, Any] | None:
    """The context already stored for this post or media on this channel, if any has text.

    A visitor post is its own conversation: its context says so (`by_visitor`), and the
    comments under it join it.
    """
    if not external_id:
        return None
    ahead = _ahead.get()
    if ahead is not None and (channel.pk, external_id) in ahead:
        known = ahead[(channel.pk, external_id)]
        return dict(known) if known is not None else None
    found = (
        Conversation.objects.filter(
            channel=channel, context_external_id=external_id, context__has_key="text"
        )
        .order_by("id")
        .values_list("context", flat=True)
        .first()
    )
    return dict(found) if isinstance(found, dict) else None
