"""Instagram payloads to platform-free items: dispatch from a dict, explicit "unsupported".

A stored event is one change or one messaging item of a webhook batch (see webhooks.py),
or one comment found by polling (see polling.py). Its `kind` picks the handler; a shape we
do not know becomes an `UnsupportedItem`, so the event is kept and marked, never dropped.

Threads:
- a top-level comment and its replies are one conversation (`thread_id` = the top-level
  comment id; Instagram flattens replies onto it), with the media as context;
- a mention (in a comment or a caption on someone else's media) is its own conversation;
- DMs with one person on one account are one conversation, `dm:<IGSID>`.

Webhooks: https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram
Messaging: https://developers.facebook.com/documentation/business-messaging/instagram-messaging/webhooks
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from inbox.connectors import (
    IdentityData,
    InboundItem,
    ItemKind,
    ParsedItem,
    ReceiptItem,
    UnsupportedItem,
)
from inbox.context import known_context
from inbox.http import https_or_empty
from inbox.models import ConversationKind, DeliveryStatus, Message

if TYPE_CHECKING:
    from inbox.models import Channel

PLATFORM = "instagram"


def _webhook_media_only(media_id: str, fallback: dict) -> dict | None:
    return fallback


@dataclass
class ParseContext:
    """What parsing may know beyond the payload; nothing here calls the platform."""

    account_id: str
    # Resolves a read receipt's `mid` to when that message was sent (None: not stored).
    message_time: Callable[[str], datetime | None] = lambda mid: None
    # (media id, what the webhook said) -> the media as context, as stored already; None when
    # unknown: the comment keeps what the webhook said and asks for enrichment.
    media_context: Callable[[str, dict], dict | None] = _webhook_media_only


def context_for(channel: Channel) -> ParseContext:
    """The account, and reads of what is stored already (a message's time, a media's
    context another conversation holds); no HTTP."""

    def message_time(mid: str) -> datetime | None:
        return (
            Message.objects.filter(channel=channel, external_id=mid)
            .values_list("platform_timestamp", flat=True)
            .first()
        )

    def media_context(media_id: str, fallback: dict) -> dict | None:
        return known_context(channel, media_id)

    return ParseContext(
        account_id=channel.external_id, message_time=message_time, media_context=media_context
    )


# ---- helpers ------------------------------------------------------------------------------


def timestamp(value: Any) -> datetime | None:
    """Instagram times: unix seconds (`entry.time` of changes), unix ms (messaging), or ISO
    `2025-03-15T16:20:11+0000` (Graph reads)."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 100_000_000_000 else value
        return datetime.fromtimestamp(seconds, UTC)
    try:
        return datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            return None


def dm_thread(igsid: str) -> str:
    return f"dm:{igsid}"


def mention_thread(external_id: str) -> str:
    return f"mention:{external_id}"


def username_identity(username: str) -> IdentityData:
    """Mentions name the author only by username; no IGSID is given."""
    return IdentityData(
        platform=PLATFORM,
        external_id=f"username:{username}",
        handle=username,
        profile_url=_profile_url(username),
    )


def _profile_url(username: str) -> str:
    # Usernames are [A-Za-z0-9._]; anything else is not put into a URL.
    if username and all(c.isalnum() or c in "._" for c in username) and username.isascii():
        return f"https://www.instagram.com/{username}/"
    return ""


def _author(who: dict | None) -> IdentityData | None:
    if not isinstance(who, dict) or not who.get("id"):
        return None
    username = str(who.get("username") or "")
    return IdentityData(
        platform=PLATFORM,
        external_id=str(who["id"]),
        handle=username,
        profile_url=_profile_url(username),
    )


# ---- comments -----------------------------------------------------------------------------

MEDIA_CONTEXT_KEYS = (
    "id",
    "media_product_type",
    "media_type",
    "caption",
    "permalink",
    "ad_id",
    "ad_title",
    "original_media_id",
)


def context_of_media(media: dict) -> dict[str, Any]:
    """A media (as a webhook names it, or as the Graph API reads it) as conversation context.

    `text` is the caption (what the inbox shows above the thread); it is set only when the
    caption was actually read, so a webhook's bare media id does not pass for known context.
    """
    context: dict[str, Any] = {"type": "media"}
    context.update({key: media[key] for key in MEDIA_CONTEXT_KEYS if media.get(key)})
    if "caption" in media or "timestamp" in media:
        context["text"] = str(media.get("caption") or "")
    if https_or_empty(media.get("media_url")):
        context["media_url"] = media["media_url"]
    if media.get("timestamp"):
        context["created"] = str(media["timestamp"])
    return context


def comment_item(
    ctx: ParseContext,
    *,
    comment: dict,
    media: dict,
    at: datetime,
    context: dict[str, Any] | None = None,
    context_wanted: bool = False,
) -> InboundItem:
    """One comment or reply, from a webhook `comments` value or a polled Graph comment."""
    comment_id = str(comment["id"])
    parent_id = str(comment.get("parent_id") or (comment.get("parent") or {}).get("id") or "")
    author = _author(comment.get("from"))
    if author is None and comment.get("username"):
        author = username_identity(str(comment["username"]))
    is_echo = bool(author and author.external_id == ctx.account_id)
    media_id = str(media.get("id") or "")
    if context is None:
        context = context_of_media(media) if media_id else {}
    return InboundItem(
        kind=ItemKind.REPLY if parent_id else ItemKind.COMMENT,
        external_id=comment_id,
        thread_id=parent_id or comment_id,
        conversation_kind=ConversationKind.COMMENT,
        timestamp=at,
        author=author,
        text=str(comment.get("text") or ""),
        parent_external_id=parent_id,
        context_external_id=media_id,
        context=context,
        context_wanted=context_wanted,
        is_echo=is_echo,
        hidden=comment["hidden"] if isinstance(comment.get("hidden"), bool) else None,
    )


def parse_comments_change(ctx: ParseContext, value: dict, at: datetime) -> list[ParsedItem]:
    """The webhook names the media only by id: the comment is stored with that, and its
    caption and picture are read afterwards, once per media (stored context is reused)."""
    if not value.get("id"):
        return [UnsupportedItem(f"instagram comments change without an id: keys {sorted(value)}")]
    media = value.get("media") or {}
    media_id = str(media.get("id") or "")
    fallback = context_of_media(media) if media_id else {}
    known = ctx.media_context(media_id, fallback) if media_id else fallback
    return [
        comment_item(
            ctx,
            comment=value,
            media=media,
            at=at,
            context=fallback if known is None else known,
            context_wanted=known is None,
        )
    ]


def parse_mentions_change(ctx: ParseContext, value: dict, at: datetime) -> list[ParsedItem]:
    """The webhook carries only ids (`media_id`, and `comment_id` for a mention in a
    comment): the mention is stored at once with those, and its text, author and media
    are read afterwards (`mentions.fetch`, through `Connector.fetch_context`), so a Graph
    outage never holds a mention back.
    https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/mentions
    """
    media_id = str(value.get("media_id") or "")
    comment_id = str(value.get("comment_id") or "")
    if not media_id:
        return [UnsupportedItem(f"instagram mention without media_id: keys {sorted(value)}")]
    return [mention_item(media_id=media_id, comment_id=comment_id, found={}, at=at)]


def mention_item(*, media_id: str, comment_id: str, found: dict, at: datetime) -> InboundItem:
    """A mention as an item, from what is known of it: the webhook's ids alone (`found`
    empty, the text to be read), or with what `mentioned_comment`/`mentioned_media` gave."""
    external_id = comment_id or media_id
    username = str(found.get("username") or "")
    if comment_id:
        text = str(found.get("text") or "")
        extra = {"mention": "comment"}
    else:
        text = str(found.get("caption") or "")
        extra = {"mention": "caption"}
    # Someone else's media, which we may not read: what the agent sees instead of its id.
    # Shown after "On": "On another account's post, where @maria mentioned you in a comment".
    who = f"@{username}" if username else "someone"
    context = {
        "type": "media",
        "id": media_id,
        "foreign": True,
        "text": (
            f"another account's post, where {who} mentioned you in a comment"
            if comment_id
            else f"{who}'s post, which mentions you"
            if username
            else "a post that mentions you"
        ),
    }
    for key in ("permalink", "media_type", "caption"):
        if found.get(key) and not comment_id:
            context[key] = found[key]
    media_link = str((found.get("media") or {}).get("permalink") or "")
    if comment_id and media_link:
        context["permalink"] = media_link
    return InboundItem(
        kind=ItemKind.MENTION,
        external_id=external_id,
        thread_id=mention_thread(external_id),
        conversation_kind=ConversationKind.MENTION,
        timestamp=timestamp(found.get("timestamp")) or at,
        author=username_identity(username) if username else None,
        text=text,
        # Each mention is read on its own (two mentions on one media differ in text and
        # author), so the enrichment is keyed by the mention, not by its media.
        context_external_id=external_id,
        context=context,
        context_wanted=not found,
        text_wanted=not found,
        permalink=str(found.get("permalink") or "") if not comment_id else "",
        extra={**extra, "media_id": media_id},
    )


CHANGE_HANDLERS: dict[str, Callable[[ParseContext, dict, datetime], list[ParsedItem]]] = {
    "comments": parse_comments_change,
    "live_comments": parse_comments_change,
    "mentions": parse_mentions_change,
}


def _at(payload: dict) -> datetime:
    return timestamp(payload.get("entry_time")) or datetime.now(UTC)


def parse_polled_comment(ctx: ParseContext, payload: dict) -> list[ParsedItem]:
    comment = payload.get("comment") or {}
    if not comment.get("id"):
        return [UnsupportedItem("polled instagram comment without an id")]
    at = timestamp(comment.get("timestamp")) or datetime.now(UTC)
    return [comment_item(ctx, comment=comment, media=payload.get("media") or {}, at=at)]


# ---- messaging ----------------------------------------------------------------------------


def _attachments(message: dict) -> list[dict]:
    found = []
    for attachment in message.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        payload = attachment.get("payload") or {}
        found.append(
            {"type": str(attachment.get("type") or "file"), "url": str(payload.get("url") or "")}
        )
    return found


def dm_item(*, mid: str, customer: str, at: datetime, is_echo: bool, **fields) -> InboundItem:
    """A private message in the customer's DM thread, from them or (an echo) from us."""
    fields.setdefault("author", None if is_echo else IdentityData(PLATFORM, customer))
    return InboundItem(
        kind=ItemKind.DM,
        external_id=mid,
        thread_id=dm_thread(customer),
        conversation_kind=ConversationKind.DM,
        timestamp=at,
        is_echo=is_echo,
        private=True,
        **fields,
    )


def parse_message(ctx: ParseContext, item: dict) -> list[ParsedItem]:
    message = item["message"]
    sender = str((item.get("sender") or {}).get("id") or "")
    recipient = str((item.get("recipient") or {}).get("id") or "")
    mid = str(message.get("mid") or "")
    if not mid:
        return [UnsupportedItem("instagram message without a mid")]
    at = timestamp(item.get("timestamp")) or datetime.now(UTC)
    is_echo = bool(message.get("is_echo")) or sender == ctx.account_id
    customer = recipient if is_echo else sender
    if message.get("is_deleted"):
        # Unsend: the text is gone; mark the stored message deleted (kept, not erased).
        return [dm_item(mid=mid, customer=customer, at=at, is_echo=is_echo, deleted=True)]
    attachments = _attachments(message)
    extra: dict[str, Any] = {}
    context: dict[str, Any] = {}
    story = (message.get("reply_to") or {}).get("story")
    if isinstance(story, dict):
        context = {
            "type": "story",
            "text": "Their story",
            "id": str(story.get("id") or ""),
            "media_url": str(story.get("url") or ""),
        }
        extra["story_reply"] = context
    if any(a["type"] == "story_mention" for a in attachments):
        mentioned = next(a for a in attachments if a["type"] == "story_mention")
        context = {
            "type": "story_mention",
            "text": "A story of theirs that mentions us",
            "media_url": mentioned["url"],
        }
        extra["story_mention"] = context
    if (message.get("quick_reply") or {}).get("payload"):
        extra["quick_reply"] = str(message["quick_reply"]["payload"])
    if message.get("app_id"):
        extra["app_id"] = str(message["app_id"])
    metadata = str(message.get("metadata") or "")
    return [
        dm_item(
            mid=mid,
            customer=customer,
            at=at,
            is_echo=is_echo,
            text=str(message.get("text") or ""),
            attachments=attachments,
            parent_external_id=str((message.get("reply_to") or {}).get("mid") or ""),
            context=context,
            outbound_ref=metadata.removeprefix("switchboard:") if metadata else "",
            extra=extra,
        )
    ]


def parse_polled_message(ctx: ParseContext, payload: dict) -> list[ParsedItem]:
    """A message read from the Conversations API: its `id` is the webhook's `mid`, so the
    same message from both paths is one row."""
    message = payload.get("message") or {}
    mid = str(message.get("id") or "")
    igsid = str(payload.get("igsid") or "")
    if not mid or not igsid:
        return [UnsupportedItem("polled instagram message without an id or a customer")]
    sender = str((message.get("from") or {}).get("id") or "")
    is_echo = sender == ctx.account_id
    username = str(payload.get("username") or "")
    author = (
        None
        if is_echo
        else IdentityData(PLATFORM, igsid, handle=username, profile_url=_profile_url(username))
    )
    return [
        dm_item(
            mid=mid,
            customer=igsid,
            at=timestamp(message.get("created_time")) or datetime.now(UTC),
            is_echo=is_echo,
            author=author,
            text=str(message.get("message") or ""),
        )
    ]


def parse_read(ctx: ParseContext, item: dict) -> list[ParsedItem]:
    """`messaging_seen`: Instagram names the message read (`read.mid`), not a watermark as
    Messenger does; everything we sent up to that message counts as read."""
    sender = str((item.get("sender") or {}).get("id") or "")
    read = item.get("read") or {}
    up_to = None
    if read.get("mid"):
        up_to = ctx.message_time(str(read["mid"]))
    if up_to is None:
        up_to = timestamp(read.get("watermark")) or timestamp(item.get("timestamp"))
    if up_to is None or not sender:
        return [UnsupportedItem("instagram read receipt without a time or a sender")]
    return [ReceiptItem(thread_id=dm_thread(sender), up_to=up_to, status=DeliveryStatus.READ)]


# The key that names a messaging item's type, in the order they are checked.
MESSAGING_HANDLERS: dict[str, Callable[[ParseContext, dict], list[ParsedItem]]] = {
    "message": parse_message,
    "read": parse_read,
}


def parse_messaging(ctx: ParseContext, item: dict) -> list[ParsedItem]:
    for key, handler in MESSAGING_HANDLERS.items():
        if isinstance(item.get(key), dict):
            return handler(ctx, item)
    known = sorted(k for k in item if k not in ("sender", "recipient", "timestamp"))
    return [UnsupportedItem(f"instagram messaging item {known} is not supported")]


# ---- the entry point ------------------------------------------------------------------------


def changes(payload: dict, channel: Channel) -> list[ParsedItem]:
    """A `changes[]` item (`comments`, `live_comments`, `mentions`)."""
    field, value = str(payload.get("field") or ""), payload.get("value")
    if not isinstance(value, dict):
        return [UnsupportedItem(f"instagram change field {field!r} is not supported")]
    return CHANGE_HANDLERS[field](context_for(channel), value, _at(payload))


def messaging(payload: dict, channel: Channel) -> list[ParsedItem]:
    """A `messaging[]` item: a message, an echo, an unsend, a read."""
    item = payload.get("value")
    if not isinstance(item, dict):
        return [UnsupportedItem("instagram messaging item is not an object")]
    return parse_messaging(context_for(channel), item)


def polled_comment(payload: dict, channel: Channel) -> list[ParsedItem]:
    return parse_polled_comment(context_for(channel), payload)


def polled_message(payload: dict, channel: Channel) -> list[ParsedItem]:
    return parse_polled_message(context_for(channel), payload)


# Event type (the item's `field`, or a polled record's `kind`) -> handler `(payload, channel)`.
HANDLERS: dict[str, Callable[[dict, Channel], list[ParsedItem]]] = {
    **{field: changes for field in CHANGE_HANDLERS},
    "messaging": messaging,
    "polled_comment": polled_comment,
    "polled_message": polled_message,
}


def parse(payload: dict, channel: Channel) -> list[ParsedItem]:
    payload = current_shape(payload)
    kind = str(payload.get("field") or payload.get("kind") or "")
    handler = HANDLERS.get(kind)
    if handler is None:
        return [
            UnsupportedItem(
                f"instagram {kind!r} with keys {sorted(payload)} is not supported"
                if "field" not in payload
                else f"instagram change field {kind!r} is not supported"
            )
        ]
    return handler(payload, channel)


def context_ids(payload: Any) -> list[str]:
    """The media a stored comments change is on, for the batch to read its context ahead."""
    if not isinstance(payload, dict):
        return []
    payload = current_shape(payload)
    value = payload.get("value")
    if payload.get("field") not in ("comments", "live_comments") or not isinstance(value, dict):
        return []
    media = value.get("media")
    media_id = str(media.get("id") or "") if isinstance(media, dict) else ""
    return [media_id] if media_id else []


def current_shape(payload: dict) -> dict:
    """Events stored before Instagram used Meta's one splitter (`kind` "change"/"messaging"
    wrapping the item) read as the items they are."""
    kind = payload.get("kind")
    common = {"object": payload.get("object"), "entry_id": payload.get("account_id", "")}
    common["entry_time"] = payload.get("time")
    if kind == "change" and isinstance(payload.get("change"), dict):
        change = payload["change"]
        return {**common, "field": str(change.get("field") or ""), "value": change.get("value")}
    if kind in ("messaging", "standby"):
        return {**common, "field": kind, "value": payload.get("messaging")}
    return payload
