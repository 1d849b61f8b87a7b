"""Polling the Page: recent comments of recent posts, then recently active Messenger threads.

What webhooks miss (a delivery Meta gave up on, the time before a subscription) is read
here and stored as events like the webhook's, keyed by content so a second read of an
unchanged record stores nothing new.
Page feed:     https://developers.facebook.com/docs/graph-api/reference/page/feed/
Conversations: https://developers.facebook.com/docs/graph-api/reference/page/conversations/
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.utils import timezone

from inbox.connectors import EventToStore, PollResult, RateLimited
from inbox.models import Channel

from . import parse
from .client import FacebookClient

# How far back a poll looks, and how much it reads per run (poll often, read little).
BACKFILL = timedelta(days=7)
POSTS_PER_POLL = 10
COMMENT_FIELDS = "id,message,from,created_time,parent{id},is_hidden"
# The Page feed holds the Page's posts and visitors' posts alike (`visitor_posts` is not
# served to Pages on the New Pages Experience):
# https://developers.facebook.com/docs/graph-api/reference/page/feed/
FEED_FIELDS = "id,message,from,created_time,updated_time,permalink_url,full_picture"


def poll(channel: Channel) -> PollResult:
    """Recent comments of recent posts, then recently active Messenger threads.

    Each source moves its cursor only once it was read completely; a throttle stops the
    poll where it is and hands back what was read, with `retry_at`.
    """
    client = FacebookClient.for_channel(channel)
    cursors = dict(channel.cursors)
    events: list[EventToStore] = []
    retry_at = None
    try:
        _poll_comments(client, channel, cursors, events)
        _poll_messenger(client, channel, cursors, events)
    except RateLimited as exc:
        retry_at = exc.retry_at
    retry_at = retry_at or client.throttled_until()
    return PollResult(
        events=events,
        cursors=cursors,
        retry_at=retry_at,
        rate_limits={"graph_usage": client.usage} if client.usage else {},
    )


def _poll_comments(
    client: FacebookClient, channel: Channel, cursors: dict, events: list[EventToStore]
) -> None:
    since = timezone.now() - BACKFILL
    posts = (
        client.get(
            f"{channel.external_id}/feed",
            params={
                "fields": FEED_FIELDS,
                "since": int(since.timestamp()),
                "limit": POSTS_PER_POLL,
            },
        ).get("data")
        or []
    )
    seen: dict[str, str] = dict(cursors.get("comments") or {})
    for post in posts:
        if str((post.get("from") or {}).get("id") or channel.external_id) != channel.external_id:
            # A visitor's post is a conversation of its own; the same message id as
            # its `feed` webhook, so whichever comes second changes nothing.
            events.append(_polled("post", post, {"field": "poll_post", "value": post}, channel))
        newest_known = seen.get(post["id"], "")
        newest = newest_known
        after = ""
        for _page in range(3):
            params = {
                "filter": "stream",
                "order": "reverse_chronological",
                "fields": COMMENT_FIELDS,
                "limit": 100,
            }
            if after:
                params["after"] = after
            body = client.get(f"{post['id']}/comments", params=params)
            comments = body.get("data") or []
            for comment in comments:
                if newest_known and _iso_key(comment["created_time"]) <= newest_known:
                    break
                newest = max(newest, _iso_key(comment["created_time"]))
                events.append(
                    _polled(
                        "comment",
                        comment,
                        {
                            "field": "poll_comment",
                            "value": comment,
                            "post": {
                                k: post[k]
                                for k in (
                                    "id",
                                    "message",
                                    "permalink_url",
                                    "full_picture",
                                    "created_time",
                                    "from",
                                )
                                if k in post
                            },
                        },
                        channel,
                    )
                )
            else:
                after = ((body.get("paging") or {}).get("cursors") or {}).get("after", "")
                if (body.get("paging") or {}).get("next") and after:
                    continue
            break
        if newest:
            seen[post["id"]] = newest
    # Forget posts that fell out of the backfill window, so the cursor stays small.
    live = {post["id"] for post in posts}
    cursors["comments"] = {k: v for k, v in seen.items() if k in live}


def _poll_messenger(
    client: FacebookClient, channel: Channel, cursors: dict, events: list[EventToStore]
) -> None:
    known = cursors.get("messenger_updated", "")
    body = client.get(
        f"{channel.external_id}/conversations",
        params={
            "platform": "messenger",
            "limit": 25,
            "fields": "participants,updated_time,messages.limit(25){id,message,from,created_time}",
        },
    )
    newest = known
    for thread in body.get("data") or []:
        updated = _iso_key(thread.get("updated_time", ""))
        if known and updated <= known:
            break  # newest first: everything after this was read before
        newest = max(newest, updated)
        psid = next(
            (
                str(p["id"])
                for p in (thread.get("participants") or {}).get("data", [])
                if str(p.get("id")) != channel.external_id
            ),
            "",
        )
        for message in (thread.get("messages") or {}).get("data") or []:
            events.append(
                _polled(
                    "message",
                    message,
                    {
                        "field": "poll_message",
                        "value": message,
                        "psid": psid,
                        "thread_id": thread.get("id", ""),
                    },
                    channel,
                )
            )
    if newest:
        cursors["messenger_updated"] = newest


def _iso_key(value: str) -> str:
    """A Graph time as a sortable UTC string, for cursors."""
    return parse.from_iso(value).isoformat() if value else ""


def _polled(kind: str, record: dict, payload: dict, channel: Channel) -> EventToStore:
    # Keyed by content, so polling an unchanged comment again stores nothing new.
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:24]
    return EventToStore(
        delivery_key=f"poll:{kind}:{record.get('id')}:{digest}",
        payload=payload,
        channel_external_id=channel.external_id,
    )
