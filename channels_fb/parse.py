"""Facebook Page events → platform-free items, dispatched from a dict.

One stored event holds one `changes[]` item (`field` + `value`) or one `messaging[]` item of
a webhook batch, or one record fetched by polling. Shapes we do not know become an explicit
`UnsupportedItem`, so the event is kept and marked, never silently dropped.

Feed:      https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
Messenger: https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.utils.dateparse import parse_datetime

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

from .context import context_from_post, is_visitor_post

if TYPE_CHECKING:
    from inbox.models import Channel

PLATFORM = "facebook"
POST_ITEMS = frozenset({"status", "photo", "video", "share", "post"})
METADATA_PREFIX = "sb:action:"


def _webhook_only(post_id: str, fallback: dict) -> dict | None:
    return fallback


@dataclass
class ParseContext:
    page_id: str
    # (post id, what the event itself says) -> the post as context, as stored already; None
    # when it is unknown: the item keeps what the event said and asks for enrichment.
    post_context: Callable[[str, dict], dict | None] = _webhook_only


def parse(payload: dict[str, Any], channel: Channel) -> list[ParsedItem]:
    """One stored event (one webhook item or one polled record) as items, by its `field`."""
    handler = HANDLERS.get(str(payload.get("field") or ""))
    if handler is None:
        return [UnsupportedItem(f"facebook field {payload.get('field')!r} is not handled")]
    return handler(payload, channel)


def context_for(channel: Channel) -> ParseContext:
    """What parsing may know beyond the payload: the Page, and a post's stored context (a
    read of what another conversation on that post already holds; no HTTP)."""

    def post_context(post_id: str, fallback: dict) -> dict | None:
        known = known_context(channel, post_id)
        if known is not None:
            return known
        if is_visitor_post(channel, post_id):
            return {**fallback, "by_visitor": True}
        return None

    return ParseContext(page_id=channel.external_id, post_context=post_context)


# ---- helpers --------------------------------------------------------------------------------


def from_unix(seconds: Any) -> datetime:
    return datetime.fromtimestamp(float(seconds), UTC)


def from_millis(ms: Any) -> datetime:
    return datetime.fromtimestamp(int(ms) / 1000, UTC)


def from_iso(value: str) -> datetime:
    # Graph reads use "2025-03-14T09:41:24+0000"; make the offset ISO so Python reads it.
    if len(value) > 5 and value[-5] in "+-" and value[-3] != ":":
        value = f"{value[:-2]}:{value[-2:]}"
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"not a Graph timestamp: {value!r}")
    return parsed


def identity(
    person: dict | None, *, fallback_id: str = "", fallback_name: str = ""
) -> IdentityData | None:
    person = person or {}
    external_id = str(person.get("id") or fallback_id or "")
    if not external_id:
        return None
    return IdentityData(
        platform=PLATFORM,
        external_id=external_id,
        name=str(person.get("name") or fallback_name or ""),
    )


def post_permalink(post_id: str) -> str:
    page, _, post = post_id.partition("_")
    return f"https://www.facebook.com/{page}/posts/{post}" if post else ""


def comment_permalink(comment_id: str, post_id: str = "") -> str:
    post_object, _, comment = comment_id.partition("_")
    if not comment:
        return ""
    page = post_id.partition("_")[0] if post_id else ""
    base = (
        f"https://www.facebook.com/{page}/posts/{post_object}"
        if page
        else f"https://www.facebook.com/{post_object}"
    )
    return f"{base}?comment_id={comment}"


def webhook_post_context(value: dict) -> dict[str, Any]:
    """What a `feed` comment event says about its post: its id and address, no text."""
    post = value.get("post") or {}
    post_id = str(value.get("post_id") or post.get("id") or "")
    context = {
        "type": "post",
        "post_id": post_id,
        "permalink": https_or_empty(post.get("permalink_url")) or post_permalink(post_id),
    }
    if post.get("status_type"):
        context["status_type"] = post["status_type"]
    return context


# ---- feed -------------------------------------------------------------------------------------


def parse_feed(value: dict, payload: dict, ctx: ParseContext) -> list[ParsedItem]:
    item = value.get("item", "")
    verb = value.get("verb", "")
    if item == "comment":
        return parse_comment(value, ctx=ctx)
    if item in POST_ITEMS:
        return parse_post(value, page_id=ctx.page_id)
    if item in ("reaction", "like"):
        # Reactions on posts are counts, not conversation; kept on the event as unsupported.
        return [UnsupportedItem(f"feed {item} {verb}: reactions are not turned into messages")]
    return [UnsupportedItem(f"feed item {item!r} verb {verb!r} is not handled")]


def post_of(value: dict) -> str:
    """The id of the post a feed change is on."""
    post = value.get("post")
    return str(value.get("post_id") or (post.get("id") if isinstance(post, dict) else "") or "")


def context_ids(payload: Any) -> list[str]:
    """The post a stored feed change is on, for the batch to read its context ahead."""
    if not isinstance(payload, dict) or payload.get("field") != "feed":
        return []
    value = payload.get("value")
    if not isinstance(value, dict):
        return []
    post_id = post_of(value)
    return [post_id] if post_id else []


def parse_comment(
    value: dict, *, ctx: ParseContext, post: dict[str, Any] | None = None
) -> list[ParsedItem]:
    """A comment or reply. `post` is the post's context when the caller already has it
    (polling reads it with the comments); otherwise it comes from `ctx.post_context`.

    Comments on a Page post are threaded per top-level comment; comments on a *visitor*
    post continue the visitor post's own conversation (thread = the post).
    """
    page_id = ctx.page_id
    comment_id = str(value.get("comment_id") or "")
    if not comment_id:
        return [UnsupportedItem("feed comment without comment_id")]
    verb = value.get("verb", "add")
    if verb not in VERB_STATE:
        return [UnsupportedItem(f"feed comment verb {verb!r} is not handled")]
    post_id = post_of(value)
    parent_id = str(value.get("parent_id") or "")
    # FB threads are two levels deep: a reply's parent is always the top-level comment.
    is_reply = bool(parent_id) and parent_id != post_id
    author = identity(
        value.get("from"),
        fallback_id=value.get("sender_id", ""),
        fallback_name=value.get("sender_name", ""),
    )
    is_echo = author is not None and author.external_id == page_id
    timestamp = from_unix(value.get("created_time") or 0)
    text = value.get("message")
    # A hide or a removal says nothing about the text.
    text = str(text or "") if verb in ("add", "edited") else None
    context: dict[str, Any] = {}
    context_wanted = False
    if post is not None:
        context = post
    elif post_id:
        fallback = webhook_post_context(value)
        known = ctx.post_context(post_id, fallback)
        # Unknown post: a Page post until the Graph read says otherwise (visitor posts
        # usually arrive first, and their comments then join them here).
        context, context_wanted = (known, False) if known is not None else (fallback, True)
    on_visitor_post = bool(context.get("by_visitor"))
    if is_echo and not is_reply and not on_visitor_post:
        # The Page's own top-level comment on its post: nobody to answer, no conversation.
        return []
    if on_visitor_post:
        thread_id, conversation_kind = post_id, "post"
        parent = parent_id if is_reply else post_id
    else:
        thread_id, conversation_kind = (parent_id if is_reply else comment_id), "comment"
        parent = parent_id if is_reply else ""
    attachments = []
    for kind in ("photo", "video"):
        if value.get(kind):
            attachments.append({"type": kind, "url": str(value[kind])})
    return [
        InboundItem(
            kind=ItemKind.REPLY if is_reply else ItemKind.COMMENT,
            external_id=comment_id,
            thread_id=thread_id,
            conversation_kind=conversation_kind,
            timestamp=timestamp,
            author=author,
            text=text,
            attachments=attachments,
            parent_external_id=parent,
            context_external_id=post_id,
            context=context,
            context_wanted=context_wanted,
            is_echo=is_echo,
            permalink=comment_permalink(comment_id, post_id),
            **VERB_STATE[verb],
        )
    ]


class VerbState(TypedDict, total=False):
    """The `InboundItem` flags a verb sets; a flag left out stays None (nothing said)."""

    edited: bool
    deleted: bool
    hidden: bool


# What each verb says about the comment's flags.
VERB_STATE: dict[str, VerbState] = {
    "add": {},
    "edited": {"edited": True},
    "remove": {"deleted": True},
    "hide": {"hidden": True},
    "unhide": {"hidden": False},
}


def parse_post(
    value: dict, *, page_id: str, record: dict[str, Any] | None = None
) -> list[ParsedItem]:
    """A visitor post: its own conversation, with itself as the context of the comments
    that will join it. `record` is the post as read by polling (GET /{page-id}/feed)."""
    post_id = str(value.get("post_id") or "")
    verb = value.get("verb", "add")
    author = identity(
        value.get("from"),
        fallback_id=value.get("sender_id", ""),
        fallback_name=value.get("sender_name", ""),
    )
    if author is not None and author.external_id == page_id:
        return []  # the Page's own post: context for comments, not a conversation
    if not post_id or verb not in VERB_STATE:
        return [UnsupportedItem(f"feed {value.get('item')} verb {verb!r} is not handled")]
    text = str(value.get("message") or "") if verb in ("add", "edited") else None
    attachments = [
        {"type": kind, "url": str(value[kind])} for kind in ("photo", "video") if value.get(kind)
    ]
    permalink = https_or_empty((record or {}).get("permalink_url")) or post_permalink(post_id)
    context: dict[str, Any] = {
        "type": "post",
        "post_id": post_id,
        "permalink": permalink,
        "by_visitor": True,
    }
    if record is not None:
        context = {**context_from_post(record, page_id=page_id), "by_visitor": True}
        if context["media_url"] and not attachments:
            attachments = [{"type": "photo", "url": context["media_url"]}]
    elif text is not None:
        context["text"] = text
    return [
        InboundItem(
            kind=ItemKind.POST,
            external_id=post_id,
            thread_id=post_id,
            conversation_kind="post",
            timestamp=from_unix(value.get("created_time") or 0),
            author=author,
            text=text,
            attachments=attachments,
            context_external_id=post_id,
            context=context,
            permalink=permalink,
            **VERB_STATE[verb],
        )
    ]


# ---- Messenger --------------------------------------------------------------------------------


def parse_messaging(value: dict, payload: dict, ctx: ParseContext) -> list[ParsedItem]:
    for key, handler in MESSAGING_HANDLERS.items():
        if key in value:
            return handler(value, ctx.page_id)
    return [UnsupportedItem(f"messaging event with keys {sorted(value)} is not handled")]


def _dm(
    value: dict,
    *,
    page_id: str,
    external_id: str,
    text: str | None,
    attachments: list | None = None,
    extra: dict | None = None,
    parent: str = "",
) -> InboundItem:
    sender = str((value.get("sender") or {}).get("id") or "")
    recipient = str((value.get("recipient") or {}).get("id") or "")
    is_echo = sender == page_id
    customer = recipient if is_echo else sender
    return InboundItem(
        kind=ItemKind.DM,
        external_id=external_id,
        thread_id=customer,
        conversation_kind="dm",
        timestamp=from_millis(value.get("timestamp") or 0),
        author=None if is_echo else IdentityData(platform=PLATFORM, external_id=customer),
        text=text,
        attachments=attachments or [],
        extra=extra or {},
        parent_external_id=parent,
        is_echo=is_echo,
        private=True,
    )


def parse_message(value: dict, page_id: str) -> list[ParsedItem]:
    message = value.get("message") or {}
    mid = str(message.get("mid") or "")
    if not mid:
        return [UnsupportedItem("messenger message without mid")]
    if message.get("is_deleted"):  # the customer unsent it
        unsent = _dm(value, page_id=page_id, external_id=mid, text=None)
        unsent.deleted = True
        return [unsent]
    attachments = [_attachment(a) for a in message.get("attachments") or []]
    extra: dict[str, Any] = {}
    if (message.get("quick_reply") or {}).get("payload"):
        extra["quick_reply_payload"] = message["quick_reply"]["payload"]
    reply_to = message.get("reply_to") or {}
    if reply_to.get("story"):
        extra["reply_to_story"] = reply_to["story"]
    if message.get("referral"):
        extra["referral"] = message["referral"]
    item = _dm(
        value,
        page_id=page_id,
        external_id=mid,
        text=str(message.get("text") or ""),
        attachments=attachments,
        extra=extra,
        parent=str(reply_to.get("mid") or ""),
    )
    if message.get("is_echo"):
        item.is_echo = True
        metadata = str(message.get("metadata") or "")
        if metadata.startswith(METADATA_PREFIX):
            item.outbound_ref = metadata.removeprefix(METADATA_PREFIX)
        app_id = str(message.get("app_id") or "")
        item.extra["sent_from"] = (
            "switchboard" if app_id == str(settings.META_APP_ID) else "page_inbox"
        )
    return [item]


def _attachment(raw: dict) -> dict[str, Any]:
    payload = raw.get("payload") or {}
    found = {"type": str(raw.get("type") or "file")}
    if isinstance(payload, dict):
        for key in ("url", "title", "sticker_id"):
            if payload.get(key):
                found[key] = payload[key]
    if raw.get("title"):
        found["title"] = raw["title"]
    return found


def parse_postback(value: dict, page_id: str) -> list[ParsedItem]:
    postback = value.get("postback") or {}
    sender = str((value.get("sender") or {}).get("id") or "")
    mid = str(postback.get("mid") or f"postback:{sender}:{value.get('timestamp')}")
    extra = {"postback_payload": postback.get("payload", "")}
    if postback.get("referral"):
        extra["referral"] = postback["referral"]
    return [
        _dm(
            value,
            page_id=page_id,
            external_id=mid,
            text=str(postback.get("title") or ""),
            extra=extra,
        )
    ]


def parse_referral(value: dict, page_id: str) -> list[ParsedItem]:
    referral = value.get("referral") or {}
    sender = str((value.get("sender") or {}).get("id") or "")
    ref = str(referral.get("ref") or "")
    text = f"Opened the conversation from a link ({referral.get('source') or 'unknown source'}"
    text += f", ref {ref})" if ref else ")"
    return [
        _dm(
            value,
            page_id=page_id,
            external_id=f"referral:{sender}:{value.get('timestamp')}",
            text=text,
            extra={"referral": referral},
        )
    ]


def parse_receipt(value: dict, page_id: str) -> list[ParsedItem]:
    status = "delivered" if "delivery" in value else "read"
    body = value.get("delivery") or value.get("read") or {}
    watermark = body.get("watermark")
    if not watermark:
        return [UnsupportedItem(f"{status} receipt without watermark")]
    customer = str((value.get("sender") or {}).get("id") or "")
    return [ReceiptItem(thread_id=customer, up_to=from_millis(watermark), status=status)]


MESSAGING_HANDLERS: dict[str, Callable[[dict, str], list[ParsedItem]]] = {
    "message": parse_message,
    "postback": parse_postback,
    "referral": parse_referral,
    "delivery": parse_receipt,
    "read": parse_receipt,
}


# ---- polled records ---------------------------------------------------------------------------


def parse_polled_comment(value: dict, payload: dict, ctx: ParseContext) -> list[ParsedItem]:
    """A comment from `GET /{post-id}/comments?filter=stream`, in webhook terms; the post it
    is on was read by the same poll, so its context needs no call."""
    post = payload.get("post") or {}
    post_id = str(post.get("id") or "")
    parent_id = str((value.get("parent") or {}).get("id") or "") or post_id
    as_webhook = {
        "comment_id": value.get("id"),
        "post_id": post_id,
        "parent_id": parent_id,
        "from": value.get("from"),
        "message": value.get("message", ""),
        "created_time": from_iso(value["created_time"]).timestamp(),
        "verb": "add",
        "post": {"id": post_id, "permalink_url": post.get("permalink_url", "")},
    }
    items = parse_comment(
        as_webhook, ctx=ctx, post=context_from_post(post, page_id=ctx.page_id) if post else None
    )
    for item in items:
        if isinstance(item, InboundItem) and value.get("is_hidden") is not None:
            item.hidden = bool(value["is_hidden"])
    return items


def parse_polled_post(value: dict, payload: dict, ctx: ParseContext) -> list[ParsedItem]:
    """A visitor post from `GET /{page-id}/feed`: the same item as its `feed` webhook."""
    as_webhook = {
        "post_id": value.get("id"),
        "from": value.get("from"),
        "message": value.get("message", ""),
        "item": "status",
        "verb": "add",
        "created_time": from_iso(value["created_time"]).timestamp(),
    }
    return parse_post(as_webhook, page_id=ctx.page_id, record=value)


def parse_polled_message(value: dict, payload: dict, ctx: ParseContext) -> list[ParsedItem]:
    """A message from `GET /{page-id}/conversations?fields=messages{...}`."""
    page_id = ctx.page_id
    sender = str((value.get("from") or {}).get("id") or "")
    customer = str(payload.get("psid") or "")
    is_echo = sender == page_id
    return [
        InboundItem(
            kind=ItemKind.DM,
            external_id=str(value["id"]),
            thread_id=customer,
            conversation_kind="dm",
            timestamp=from_iso(value["created_time"]),
            author=None if is_echo else identity(value.get("from")),
            text=str(value.get("message") or ""),
            is_echo=is_echo,
            private=True,
        )
    ]


FIELD_HANDLERS: dict[str, Callable[[dict, dict, ParseContext], list[ParsedItem]]] = {
    "feed": parse_feed,
    "messaging": parse_messaging,
    "standby": parse_messaging,  # handover protocol: another app owns the thread
    "poll_comment": parse_polled_comment,
    "poll_post": parse_polled_post,
    "poll_message": parse_polled_message,
}


def _bound(handler: Callable[[dict, dict, ParseContext], list[ParsedItem]]):
    def handle(payload: dict, channel: Channel) -> list[ParsedItem]:
        return handler(payload.get("value") or {}, payload, context_for(channel))

    handle.__name__ = handle.__qualname__ = handler.__name__
    handle.__doc__ = handler.__doc__
    return handle


# Event type (the stored payload's `field`) -> handler `(payload, channel)`.
HANDLERS: dict[str, Callable[[dict, Channel], list[ParsedItem]]] = {
    field: _bound(handler) for field, handler in FIELD_HANDLERS.items()
}
