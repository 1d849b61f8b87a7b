"""What a comment is about: the post (or media) it sits under, shown to the agent above it.

The `feed` webhook names a comment's post only by `post.id`/`permalink_url`, and Instagram's
`comments` webhook its media only by `media.id`. The first time a post shows up on a channel
its text is fetched from the Graph API; after that every conversation on it reuses the
context already stored, so a busy post costs one call, not one per comment.

Page Post: https://developers.facebook.com/docs/graph-api/reference/page-post
           https://developers.facebook.com/docs/graph-api/reference/post/
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from inbox.connectors import ConnectorError, Rejected, Unavailable
from inbox.http import https_or_empty
from inbox.models import Conversation, ConversationKind

if TYPE_CHECKING:
    from inbox.models import Channel

    from .graph import GraphClient

POST_FIELDS = "message,permalink_url,created_time,full_picture,from"


def known_context(channel: Channel, external_id: str) -> dict[str, Any] | None:
    """The context already stored for this post or media on this channel, if any has text.

    A visitor post is its own conversation: its context says so (`by_visitor`), and the
    comments under it join it.
    """
    if not external_id:
        return None
    found = (Conversation.objects
             .filter(channel=channel, context_external_id=external_id, context__has_key="text")
             .order_by("id")
             .values_list("context", flat=True).first())
    return dict(found) if isinstance(found, dict) else None


def is_visitor_post(channel: Channel, post_id: str) -> bool:
    return Conversation.objects.filter(channel=channel, external_thread_id=post_id,
                                       kind=ConversationKind.POST).exists()


def context_from_post(post: dict[str, Any], *, page_id: str) -> dict[str, Any]:
    """A Graph Page Post (or a visitor post) as conversation context."""
    post_id = str(post.get("id") or "")
    author = str((post.get("from") or {}).get("id") or "")
    context: dict[str, Any] = {
        "type": "post", "post_id": post_id, "text": str(post.get("message") or ""),
        "permalink": https_or_empty(post.get("permalink_url")),
        "media_url": https_or_empty(post.get("full_picture")),
        "created": str(post.get("created_time") or ""),
    }
    if author:
        context["by_visitor"] = author != page_id
    return context


def fetch_post_context(client: GraphClient, post_id: str, *, page_id: str,
                       fallback: dict[str, Any]) -> dict[str, Any]:
    """GET /{post-id}: the post's text, link, picture and time.

    A post Facebook will not show us (removed, or not readable with this token: a
    `Rejected`) leaves the comment with what the webhook said; anything that may pass
    (throttling, 5xx, a timeout, a token to reconnect) raises `Unavailable`, so the stored
    event is retried rather than ingested without its context or lost.
    """
    try:
        post = client.get(post_id, params={"fields": POST_FIELDS})
    except Rejected:
        return fallback
    except ConnectorError as exc:
        raise Unavailable(f"could not fetch post {post_id} for context: {exc}") from exc
    return context_from_post({"id": post_id, **post}, page_id=page_id)
