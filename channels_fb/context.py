"""What a comment is about: the post (or media) it sits under, shown to the agent above it.

The `feed` webhook names a comment's post only by `post.id`/`permalink_url`, and Instagram's
`comments` webhook its media only by `media.id`. Parsing never calls out for it: a comment on
a post we have not read yet is stored at once with what the webhook said, and its
conversation is marked for enrichment (inbox/enrich.py), which reads the post from the Graph
API in a worker, retried until it answers. Every conversation on a post already read reuses
the context stored, so a busy post costs one call, not one per comment.

Page Post: https://developers.facebook.com/docs/graph-api/reference/page-post
           https://developers.facebook.com/docs/graph-api/reference/post/
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from inbox.http import https_or_empty
from inbox.models import Conversation, ConversationKind, Message

from .client import FacebookClient

if TYPE_CHECKING:
    from inbox.models import Channel
    from meta.graph import GraphClient

POST_FIELDS = "message,permalink_url,created_time,full_picture,from"


def is_visitor_post(channel: Channel, post_id: str) -> bool:
    return Conversation.objects.filter(
        channel=channel, external_thread_id=post_id, kind=ConversationKind.POST
    ).exists()


def context_from_post(post: dict[str, Any], *, page_id: str) -> dict[str, Any]:
    """A Graph Page Post (or a visitor post) as conversation context."""
    post_id = str(post.get("id") or "")
    author = str((post.get("from") or {}).get("id") or "")
    context: dict[str, Any] = {
        "type": "post",
        "post_id": post_id,
        "text": str(post.get("message") or ""),
        "permalink": https_or_empty(post.get("permalink_url")),
        "media_url": https_or_empty(post.get("full_picture")),
        "created": str(post.get("created_time") or ""),
    }
    if author:
        context["by_visitor"] = author != page_id
    return context


def fetch_post_context(client: GraphClient, post_id: str, *, page_id: str) -> dict[str, Any]:
    """GET /{post-id}: the post's text, link, picture and time.

    Raises the Graph client's typed errors: `Rejected` for a post Facebook will not show us
    (removed, or not readable with this token), the others for what may pass (throttling,
    5xx, a timeout, a token to reconnect); the enrichment decides what each means.
    """
    post = client.get(post_id, params={"fields": POST_FIELDS})
    return context_from_post({"id": post_id, **post}, page_id=page_id)


def fetch(channel: Channel, conversation: Conversation) -> dict[str, Any] | None:
    """The post a conversation's comments are on, read once they are shown (enrichment).

    A post that turns out to be a visitor's makes the conversation that post's own.
    """
    post_id = conversation.context_external_id
    if not post_id:
        return None
    client = FacebookClient.for_channel(channel)
    post = fetch_post_context(client, post_id, page_id=channel.external_id)
    if post.get("by_visitor"):
        join_visitor_post(conversation, post_id)
    return post


def join_visitor_post(conversation: Conversation, post_id: str) -> None:
    """A comment stored before we knew its post is a visitor's: its conversation becomes the
    post's own, which the post and later comments then join (as if read in order).

    Left as it is when the post's conversation exists already (two comments raced ahead
    of it): it stays a thread of its own on that post, and nothing is lost.
    """
    if conversation.kind != ConversationKind.COMMENT or conversation.external_thread_id == post_id:
        return
    try:
        with transaction.atomic():
            Conversation.objects.filter(pk=conversation.pk).update(
                kind=ConversationKind.POST, external_thread_id=post_id
            )
            # Top-level comments hang under the post (linked once the post's message lands).
            Message.objects.filter(conversation=conversation, parent_external_id="").exclude(
                external_id=post_id
            ).update(parent_external_id=post_id)
    except IntegrityError:
        return
    conversation.kind, conversation.external_thread_id = ConversationKind.POST, post_id
