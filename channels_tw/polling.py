"""Polling, the primary path on X: mentions, the brand's named searches and DM events.

Cursors, per source, in `channel.cursors`:
- timelines (mentions, each search): `since_id` (exclusive; the newest id of the last full
  sweep), and while a sweep is cut short by a rate limit, `page_token` and `pending_newest_id`:
  the next poll continues at that page with the same `since_id`, and only a sweep that has
  read its last page moves `since_id` to `pending_newest_id`. So nothing is skipped (the
  cursor never passes a page not read) and nothing repeats (delivery keys and message ids
  are unique, and `since_id` excludes what the last sweep saw).
- DM events (no since_id on this endpoint): `last_id`, the newest event already read; a
  sweep pages back until it reaches it, with the same `page_token`/`pending_newest_id` pair.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from inbox.connectors import EventToStore, PollResult, RateLimited
from inbox.models import Channel

from . import conf
from .client import XClient, for_channel

log = logging.getLogger("switchboard.x.poll")


@dataclass
class Search:
    name: str
    query: str


def build_query(search: dict, brand_handle: str) -> str:
    """A recent-search query for one named search, without retweets and our own posts.

    `search` holds `phrases` (the brand's name written without the @), `hashtags`, `urls`,
    `exclude` (words or phrases a match must not contain) and an optional raw `query`;
    operators per
    https://docs.x.com/x-api/posts/search/integrate/build-a-query.
    """
    terms = []
    for phrase in search.get("phrases", []):
        phrase = str(phrase).replace('"', "").strip()
        if phrase:
            terms.append(f'"{phrase}"' if " " in phrase else phrase)
    for tag in search.get("hashtags", []):
        tag = str(tag).lstrip("#").strip()
        if tag:
            terms.append(f"#{tag}")
    for url in search.get("urls", []):
        url = str(url).replace('"', "").strip()
        if url:
            terms.append(f'url:"{url}"')
    if search.get("query"):
        terms.append(f"({search['query']})")
    if not terms:
        return ""
    core = terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"
    query = core
    for word in search.get("exclude", []):
        word = str(word).replace('"', "").strip()
        if word:
            query += f' -"{word}"' if " " in word else f" -{word.lstrip('-')}"
    query += " -is:retweet"
    if brand_handle:
        query += f" -from:{brand_handle.lstrip('@')}"
    return query


def searches(channel: Channel) -> list[Search]:
    found = []
    for search in channel.config.get("searches", []):
        query = build_query(search, channel.handle)
        name = str(search.get("name") or query)[:64]
        if not query:
            continue
        if len(query) > conf.MAX_QUERY_LENGTH:
            log.warning(
                "search %r on %s is longer than %d characters; skipped",
                name,
                channel,
                conf.MAX_QUERY_LENGTH,
            )
            continue
        found.append(Search(name=name, query=query))
    return found


def _search_key(name: str) -> str:
    return "search:" + hashlib.sha1(name.encode()).hexdigest()[:12]


@dataclass
class PollRun:
    channel: Channel
    client: XClient
    events: list[EventToStore] = field(default_factory=list)
    cursors: dict[str, Any] = field(default_factory=dict)
    retry_at: datetime | None = None

    def limited(self, at: datetime) -> None:
        self.retry_at = at if self.retry_at is None else min(self.retry_at, at)

    def exhausted(self, endpoint: str) -> datetime | None:
        """The reset time if the last known budget of `endpoint` leaves nothing to spend."""
        budget = self.client.budget(endpoint) or self.channel.rate_limits.get(endpoint)
        if not budget:
            return None
        reset = datetime.fromtimestamp(int(budget["reset"]), UTC)
        if reset > timezone.now() and budget["remaining"] <= conf.reserve(self.channel):
            return reset
        return None

    # -- timelines: mentions and searches --
    def sweep_timeline(self, key: str, endpoint: str, fetch, to_payload) -> None:
        cursor = dict(self.cursors.get(key) or {})
        since_id = cursor.get("since_id")
        page_token = cursor.get("page_token")
        pending = cursor.get("pending_newest_id")
        fetched: list[dict] = []
        while True:
            reset = self.exhausted(endpoint)
            if reset is None:
                try:
                    body = fetch(since_id=since_id, page_token=page_token)
                except RateLimited as exc:
                    reset = exc.retry_at
            if reset is not None:
                self.limited(reset)
                cursor.update(since_id=since_id, page_token=page_token, pending_newest_id=pending)
                break
            meta = body.get("meta") or {}
            if page_token is None and pending is None:
                pending = meta.get("newest_id")  # the first page of a sweep is the newest
            fetched.extend(
                to_payload(tweet, body.get("includes") or {}) for tweet in body.get("data") or []
            )
            page_token = meta.get("next_token")
            if not page_token:
                newest = max([i for i in (since_id, pending) if i], key=int, default=None)
                cursor = {**{k: v for k, v in cursor.items() if k == "query"}, "since_id": newest}
                break
        # Oldest first, so the inbox hears them in the order they were written.
        fetched.sort(key=lambda e: int(e["tweet"]["id"]))
        self.events.extend(self._event(key, p) for p in fetched)
        self.cursors[key] = cursor

    def _event(self, key: str, payload: dict) -> EventToStore:
        item = payload.get("tweet") or payload["dm_event"]  # the poller made it with one
        return EventToStore(
            delivery_key=f"{key}:{item['id']}",
            payload=payload,
            channel_external_id=self.channel.external_id,
        )

    def mentions(self) -> None:
        user_id = self.channel.external_id

        def fetch(*, since_id, page_token):
            return self.client.mentions(user_id, since_id=since_id, pagination_token=page_token)

        self.sweep_timeline(
            "mentions", "mentions", fetch, lambda t, inc: self._tweet_payload("mentions", t, inc)
        )

    def search(self, search: Search) -> None:
        key = _search_key(search.name)
        previous = self.cursors.get(key) or {}
        if previous.get("query") != search.query:
            # A changed query is a new search: its old position means nothing for it.
            self.cursors[key] = {"query": search.query}

        def fetch(*, since_id, page_token):
            return self.client.search_recent(search.query, since_id=since_id, next_token=page_token)

        self.sweep_timeline(
            key,
            "search_recent",
            fetch,
            lambda t, inc: self._tweet_payload("search", t, inc, search.name),
        )
        self.cursors[key]["query"] = search.query

    def _tweet_payload(
        self, source: str, tweet: dict, includes: dict, search_name: str = ""
    ) -> dict:
        wanted_users = {tweet.get("author_id"), tweet.get("in_reply_to_user_id")}
        wanted_tweets = {r.get("id") for r in tweet.get("referenced_tweets", [])}
        referenced = [t for t in includes.get("tweets", []) if t.get("id") in wanted_tweets]
        wanted_users |= {t.get("author_id") for t in referenced}
        payload = {
            "source": source,
            "for_user_id": self.channel.external_id,
            "tweet": tweet,
            "includes": {
                "users": [u for u in includes.get("users", []) if u.get("id") in wanted_users],
                "tweets": referenced,
            },
        }
        if search_name:
            payload["search"] = search_name
        return payload

    # -- DM events --
    def direct_messages(self) -> None:
        cursor = dict(self.cursors.get("dm_events") or {})
        last_id = cursor.get("last_id")
        page_token = cursor.get("page_token")
        pending = cursor.get("pending_newest_id")
        fetched: list[dict] = []
        while True:
            reset = self.exhausted("dm_events")
            if reset is None:
                try:
                    body = self.client.dm_events(pagination_token=page_token)
                except RateLimited as exc:
                    reset = exc.retry_at
            if reset is not None:
                self.limited(reset)
                cursor.update(last_id=last_id, page_token=page_token, pending_newest_id=pending)
                break
            data = body.get("data") or []
            if page_token is None and pending is None and data:
                pending = max((e["id"] for e in data), key=int)
            users = (body.get("includes") or {}).get("users", [])
            reached = False
            for event in data:
                if last_id and int(event["id"]) <= int(last_id):
                    reached = True  # newest first: everything from here on was read before
                    continue
                involved = {event.get("sender_id"), *event.get("participant_ids", [])}
                fetched.append(
                    {
                        "source": "dm_events",
                        "for_user_id": self.channel.external_id,
                        "dm_event": event,
                        "includes": {"users": [u for u in users if u.get("id") in involved]},
                    }
                )
            page_token = (body.get("meta") or {}).get("next_token")
            if reached or not page_token:
                newest = max([i for i in (last_id, pending) if i], key=int, default=None)
                cursor = {"last_id": newest}
                break
        fetched.sort(key=lambda e: int(e["dm_event"]["id"]))
        self.events.extend(self._event("dm", p) for p in fetched)
        self.cursors["dm_events"] = cursor


def poll(channel: Channel) -> PollResult:
    client = for_channel(channel)
    run = PollRun(channel=channel, client=client, cursors=dict(channel.cursors))
    sources = channel.config.get("sources", ["mentions", "search", "dm_events"])
    if "mentions" in sources:
        run.mentions()
    if "search" in sources:
        for search in searches(channel):
            run.search(search)
    if "dm_events" in sources:
        run.direct_messages()
    return PollResult(
        events=run.events,
        cursors=run.cursors,
        rate_limits=dict(client.rate_limits),
        retry_at=run.retry_at,
    )
