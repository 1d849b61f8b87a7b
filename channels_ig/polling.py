"""Catch-up by polling: recent comments on the account's recent media, and DM threads.

Webhooks are not sent for every comment (private accounts' media, outages of our endpoint
longer than Meta retries), so polling is the backstop. Each comment becomes an event like
a webhook item and goes through the same idempotent upsert, so overlap never duplicates.

Cursor (`channel.cursors["comments"]`): per media id, the newest comment time already seen.
Comments at or after it are stored again on purpose (same time, possibly new); older ones
are skipped. A throttled poll keeps what it fetched and resumes from the media it missed.
https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments

DMs (`channel.cursors["dm_updated"]`): the newest `updated_time` of a thread already read.
Threads come most recently active first; reading stops at the first thread older than the
cursor, and the cursor moves only once a sweep has read everything newer. Each message is
stored under the same id (`mid`) as its webhook, so overlap changes nothing.
https://developers.facebook.com/documentation/business-messaging/messenger-platform/conversations
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from django.utils import timezone

from inbox.connectors import EventToStore, PollResult, RateLimited
from inbox.models import Channel

from .client import InstagramClient
from .parse import timestamp

DEFAULT_MEDIA_LIMIT = 10
DM_PAGES_PER_POLL = 5
MEDIA_KEYS = (
    "id",
    "caption",
    "permalink",
    "media_product_type",
    "media_type",
    "media_url",
    "timestamp",
)


def poll(channel: Channel) -> PollResult:
    client = InstagramClient.for_channel(channel)
    seen: dict[str, str] = dict((channel.cursors or {}).get("comments") or {})
    limit = int((channel.config or {}).get("poll_media_limit", DEFAULT_MEDIA_LIMIT))
    events: list[EventToStore] = []

    dm_cursor: dict[str, str] = {}

    def result(retry_at: datetime | None = None) -> PollResult:
        cursors = {
            **(channel.cursors or {}),
            "comments": seen,
            **dm_cursor,
            "polled_at": timezone.now().isoformat(),
        }
        return PollResult(
            events=events,
            cursors=cursors,
            retry_at=retry_at,
            rate_limits={"graph_usage": client.usage} if client.usage else {},
        )

    try:
        media_list = client.recent_media(limit=limit)
        for media in media_list:
            media_id = str(media["id"])
            comments, _ = client.media_comments(media_id)
            newest = _newest_events(channel, media, comments, seen.get(media_id), events)
            if newest:
                seen[media_id] = newest
            if (throttled := client.throttled_until()) is not None:
                # At 100% usage: stop before the wall, resume at this point next time.
                return result(throttled)
    except RateLimited as exc:
        return result(exc.retry_at)
    # Forget media that dropped out of the recent window, so the cursor stays small.
    current = {str(m["id"]) for m in media_list}
    for media_id in [m for m in seen if m not in current]:
        del seen[media_id]
    if (channel.config or {}).get("poll_dms", True):
        try:
            newest = _dm_events(client, channel, (channel.cursors or {}).get("dm_updated"), events)
        except RateLimited as exc:
            return result(exc.retry_at)  # the DM cursor stays: the next poll reads them all
        if newest:
            dm_cursor["dm_updated"] = newest
    return result(client.throttled_until())


def _dm_events(
    client: InstagramClient, channel: Channel, known: str | None, events: list[EventToStore]
) -> str | None:
    """Append the messages of threads active since `known`; return the new cursor.

    Threads updated in the same second as the cursor are read again on purpose (a message
    in that second may be new); their messages are already stored and change nothing.
    """
    since = timestamp(known) if known else None
    newest = since
    after = ""
    for _ in range(DM_PAGES_PER_POLL):
        body = client.dm_threads(after=after)
        threads = body.get("data") or []
        for thread in threads:
            updated = timestamp(thread.get("updated_time"))
            if updated is None:
                continue
            if since is not None and updated < since:
                return newest.isoformat() if newest else None  # newest first: the rest is old
            newest = updated if newest is None else max(newest, updated)
            people = [
                p
                for p in (thread.get("participants") or {}).get("data") or []
                if str(p.get("id")) != channel.external_id
            ]
            if not people:
                continue
            customer = people[0]
            for message in (thread.get("messages") or {}).get("data") or []:
                events.append(
                    _polled_event(
                        channel.external_id,
                        {
                            "kind": "polled_message",
                            "account_id": channel.external_id,
                            "igsid": str(customer["id"]),
                            "username": str(customer.get("username") or ""),
                            "message": message,
                        },
                    )
                )
        paging = body.get("paging") or {}
        after = (paging.get("cursors") or {}).get("after", "")
        if not paging.get("next") or not after:
            break
    return newest.isoformat() if newest else None


def _newest_events(
    channel: Channel,
    media: dict,
    comments: list[dict],
    watermark: str | None,
    events: list[EventToStore],
) -> str | None:
    """Append events for comments and replies at or after the watermark; return the new one."""
    since = timestamp(watermark) if watermark else None
    media_info = {k: media[k] for k in MEDIA_KEYS if media.get(k)}
    newest = since
    for comment in _flatten(comments):
        at = timestamp(comment.get("timestamp"))
        if at is None or (since is not None and at < since):
            continue
        newest = at if newest is None else max(newest, at)
        events.append(
            _polled_event(
                channel.external_id,
                {
                    "kind": "polled_comment",
                    "account_id": channel.external_id,
                    "media": media_info,
                    "comment": comment,
                },
            )
        )
    return newest.isoformat() if newest else None


def _flatten(comments: list[dict]) -> list[dict]:
    flat = []
    for comment in comments:
        replies = (comment.get("replies") or {}).get("data") or []
        flat.append({k: v for k, v in comment.items() if k != "replies"})
        flat += [
            {**reply, "parent_id": reply.get("parent_id") or comment["id"]} for reply in replies
        ]
    return flat


def _polled_event(account: str, payload: dict) -> EventToStore:
    # Keyed by content, so reading an unchanged record again stores nothing new.
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:40]
    return EventToStore(
        delivery_key=f"ig:{account}:{payload['kind']}:{digest}",
        payload=payload,
        channel_external_id=account,
    )
