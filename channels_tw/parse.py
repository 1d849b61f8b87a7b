"""X payloads to platform-free items, dispatched from a dict by event type.

Stored events come in two families (`webhooks.split` and `polling` cut them):
- polled v2 objects: `{"source": "mentions"|"search"|"dm_events", "tweet"|"dm_event": {...},
  "includes": {...}, "for_user_id": ...}` (https://docs.x.com/x-api/posts/timelines/introduction,
  https://docs.x.com/x-api/direct-messages/lookup/introduction);
- Account Activity objects, v1.1-shaped: `{"source": "aaa", "type": "tweet_create_events", "item":
  {...}, "users": {...}, "for_user_id": ...}` (https://developer.x.com/en/docs/x-api/enterprise/
  account-activity-api/guides/account-activity-data-objects).
Anything else becomes an explicit `UnsupportedItem`, kept on the event.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from inbox.connectors import IdentityData, InboundItem, ItemKind, ParsedItem, UnsupportedItem
from inbox.http import https_or_empty
from inbox.models import Channel

PLATFORM = "x"
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
_DIGITS = re.compile(r"^[0-9]{1,25}$")


# ---- small helpers -----------------------------------------------------------------------


def permalink(handle: str, tweet_id: str) -> str:
    """A tweet's URL, built only from values that cannot smuggle anything into it."""
    if not _DIGITS.match(tweet_id or ""):
        return ""
    if _HANDLE.match(handle or ""):
        return f"https://x.com/{handle}/status/{tweet_id}"
    return f"https://x.com/i/web/status/{tweet_id}"


def dm_conversation_id(a: str, b: str) -> str:
    """X's id of a one-to-one DM conversation: the two user ids, lower first."""
    low, high = sorted([a, b], key=int)
    return f"{low}-{high}"


def _v2_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _ms_time(value) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def _v11_time(obj: dict) -> datetime:
    if obj.get("timestamp_ms"):
        return _ms_time(obj["timestamp_ms"])
    return datetime.strptime(obj["created_at"], "%a %b %d %H:%M:%S %z %Y")


def v2_identity(user: dict | None) -> IdentityData | None:
    if not user or not user.get("id"):
        return None
    handle = user.get("username", "")
    metrics = user.get("public_metrics") or {}
    return IdentityData(
        platform=PLATFORM,
        external_id=str(user["id"]),
        name=user.get("name", ""),
        handle=handle,
        avatar_url=https_or_empty(user.get("profile_image_url", "")),
        profile_url=f"https://x.com/{handle}" if _HANDLE.match(handle) else "",
        follower_count=metrics.get("followers_count"),
        verified=bool(user.get("verified")),
    )


def v11_identity(user: dict | None) -> IdentityData | None:
    if not user:
        return None
    user_id = str(user.get("id_str") or user.get("id") or "")
    if not user_id:
        return None
    handle = user.get("screen_name", "")
    return IdentityData(
        platform=PLATFORM,
        external_id=user_id,
        name=user.get("name", ""),
        handle=handle,
        avatar_url=https_or_empty(user.get("profile_image_url_https", "")),
        profile_url=f"https://x.com/{handle}" if _HANDLE.match(handle) else "",
        follower_count=user.get("followers_count"),
        verified=bool(user.get("verified")),
    )


# ---- polled v2 objects -----------------------------------------------------------------


def parse_v2_tweet(payload: dict, channel: Channel) -> list[ParsedItem]:
    tweet = payload["tweet"]
    includes = payload.get("includes") or {}
    users = {u["id"]: u for u in includes.get("users", [])}
    referenced = {t["id"]: t for t in includes.get("tweets", [])}
    brand_id = payload.get("for_user_id") or channel.external_id
    author_id = tweet.get("author_id", "")
    if any(r.get("type") == "retweeted" for r in tweet.get("referenced_tweets", [])):
        return [UnsupportedItem(f"retweet {tweet['id']}: not a message")]
    replied_to = next(
        (r["id"] for r in tweet.get("referenced_tweets", []) if r.get("type") == "replied_to"), ""
    )
    history = tweet.get("edit_history_tweet_ids") or [tweet["id"]]
    from_search = payload["source"] == "search"
    author = users.get(author_id)
    context: dict[str, Any] = {}
    if replied_to and replied_to in referenced:
        parent = referenced[replied_to]
        parent_author = users.get(parent.get("author_id", ""), {})
        context = {
            "id": replied_to,
            "text": parent.get("text", ""),
            "author_name": parent_author.get("name", ""),
            "author_handle": parent_author.get("username", ""),
            "created_at": parent.get("created_at", ""),
            "permalink": permalink(parent_author.get("username", ""), replied_to),
        }
    is_echo = author_id == brand_id
    if from_search:
        kind = ItemKind.SEARCH_MATCH
    else:
        kind = ItemKind.REPLY if replied_to else ItemKind.MENTION
    return [
        InboundItem(
            kind=kind,
            # An edited tweet gets a new id; its first id names it for its whole life.
            external_id=history[0],
            thread_id=tweet.get("conversation_id") or tweet["id"],
            conversation_kind="search" if from_search else "mention",
            timestamp=_v2_time(tweet["created_at"]),
            author=v2_identity(author),
            text=tweet.get("text", ""),
            parent_external_id=replied_to,
            context_external_id=replied_to,
            context=context,
            is_echo=is_echo,
            edited=True if len(history) > 1 else None,
            permalink=permalink((author or {}).get("username", ""), tweet["id"]),
            tags=[payload["search"][:64]] if from_search and payload.get("search") else [],
            extra={
                "lang": tweet.get("lang", ""),
                "latest_id": tweet["id"],
                "found_by": f"search:{payload.get('search', '')}" if from_search else "mentions",
            },
        )
    ]


def parse_v2_dm(payload: dict, channel: Channel) -> list[ParsedItem]:
    event = payload["dm_event"]
    if event.get("event_type", "MessageCreate") != "MessageCreate":
        return [UnsupportedItem(f"DM event type {event.get('event_type')!r}")]
    users = {u["id"]: u for u in (payload.get("includes") or {}).get("users", [])}
    brand_id = payload.get("for_user_id") or channel.external_id
    sender = event.get("sender_id", "")
    thread = event.get("dm_conversation_id") or ""
    if not thread:
        others = [p for p in event.get("participant_ids", []) if p != brand_id] or [sender]
        thread = dm_conversation_id(brand_id, others[0])
    media = (event.get("attachments") or {}).get("media_keys", [])
    return [
        InboundItem(
            kind=ItemKind.DM,
            external_id=event["id"],
            thread_id=thread,
            conversation_kind="dm",
            timestamp=_v2_time(event["created_at"]),
            author=v2_identity(users.get(sender)),
            text=event.get("text", ""),
            is_echo=sender == brand_id,
            private=True,
            attachments=[{"type": "media", "media_key": key} for key in media],
        )
    ]


# ---- Account Activity (v1.1-shaped) ------------------------------------------------------


def _v11_text(tweet: dict) -> str:
    if tweet.get("truncated") and tweet.get("extended_tweet"):
        return tweet["extended_tweet"].get("full_text", "")
    return tweet.get("full_text") or tweet.get("text", "")


def _v11_tweet_item(tweet: dict, channel: Channel, brand_id: str, **overrides) -> InboundItem:
    tweet_id = tweet["id_str"]
    user = tweet.get("user") or {}
    parent = tweet.get("in_reply_to_status_id_str") or ""
    # v1.1 objects carry no conversation_id: the reply's parent names the thread until
    # `threads.follow_known` finds one we already hold.
    thread = parent or tweet_id
    values = dict(
        kind=ItemKind.REPLY if parent else ItemKind.MENTION,
        external_id=tweet_id,
        thread_id=thread,
        conversation_kind="mention",
        timestamp=_v11_time(tweet),
        author=v11_identity(user),
        text=_v11_text(tweet),
        parent_external_id=parent,
        is_echo=str(user.get("id_str") or user.get("id")) == brand_id,
        permalink=permalink(user.get("screen_name", ""), tweet_id),
        extra={"lang": tweet.get("lang") or "", "found_by": "webhook"},
    )
    values.update(overrides)
    return InboundItem(**values)


def parse_aaa_tweet(payload: dict, channel: Channel) -> list[ParsedItem]:
    tweet = payload["item"]
    if tweet.get("retweeted_status"):
        return [UnsupportedItem(f"retweet {tweet.get('id_str')}: not a message")]
    return [_v11_tweet_item(tweet, channel, payload["for_user_id"])]


def parse_aaa_dm(payload: dict, channel: Channel) -> list[ParsedItem]:
    event = payload["item"]
    if event.get("type") != "message_create":
        return [UnsupportedItem(f"direct message event type {event.get('type')!r}")]
    create = event["message_create"]
    brand_id = payload["for_user_id"]
    sender = str(create["sender_id"])
    recipient = str(create.get("target", {}).get("recipient_id", brand_id))
    data = create.get("message_data") or {}
    media = (data.get("attachment") or {}).get("media")
    return [
        InboundItem(
            kind=ItemKind.DM,
            external_id=event["id"],
            thread_id=dm_conversation_id(sender, recipient),
            conversation_kind="dm",
            timestamp=_ms_time(event["created_timestamp"]),
            author=v11_identity((payload.get("users") or {}).get(sender)),
            text=data.get("text", ""),
            is_echo=sender == brand_id,
            private=True,
            attachments=[
                {
                    "type": media.get("type", "media"),
                    "url": https_or_empty(media.get("media_url_https", "")),
                }
            ]
            if media
            else [],
        )
    ]


def parse_aaa_favorite(payload: dict, channel: Channel) -> list[ParsedItem]:
    event = payload["item"]
    liker = event.get("user") or {}
    status = event.get("favorited_status") or {}
    brand_id = payload["for_user_id"]
    if str(liker.get("id_str") or liker.get("id")) == brand_id and status:
        # We liked a customer's tweet in X's own app: keep the tweet's state in step.
        return [
            _v11_tweet_item(
                status, channel, brand_id, liked=True, timestamp=_ms_time(event["timestamp_ms"])
            )
        ]
    return [
        UnsupportedItem(
            f"favorite of tweet {status.get('id_str', '?')} by user "
            f"{liker.get('id_str', '?')}: a customer's like is not a message"
        )
    ]


def parse_aaa_delete(payload: dict, channel: Channel) -> list[ParsedItem]:
    event = payload["item"]
    status = event["status"]
    tweet_id = str(status["id"])
    user_id = str(status.get("user_id", ""))
    ours = user_id == payload["for_user_id"]
    return [
        InboundItem(
            kind=ItemKind.MENTION,
            external_id=tweet_id,
            thread_id=tweet_id,
            conversation_kind="mention",
            timestamp=_ms_time(event["timestamp_ms"]),
            text=None,
            deleted=True,
            is_echo=ours,
            author=IdentityData(platform=PLATFORM, external_id=user_id)
            if user_id and not ours
            else None,
        )
    ]


HANDLERS: dict[str, Callable[[dict, Channel], list[ParsedItem]]] = {
    "mentions": parse_v2_tweet,
    "search": parse_v2_tweet,
    "dm_events": parse_v2_dm,
    "tweet_create_events": parse_aaa_tweet,
    "direct_message_events": parse_aaa_dm,
    "favorite_events": parse_aaa_favorite,
    "tweet_delete_events": parse_aaa_delete,
}


def parse(payload: dict, channel: Channel) -> list[ParsedItem]:
    """Pure: reads only the payload and the channel's own fields (no HTTP, no queries)."""
    key = payload.get("type") if payload.get("source") == "aaa" else payload.get("source")
    handler = HANDLERS.get(key or "")
    if handler is None:
        return [UnsupportedItem(f"X event {key!r} is not handled")]
    return handler(payload, channel)
