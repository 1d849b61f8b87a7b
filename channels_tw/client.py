"""A thin X API v2 client on the base HTTP client.

It reads `x-rate-limit-*` on every response, maps X's problem bodies to the typed errors
by status (never by message text), and never sleeps. tweepy was not used: its host is
hard-coded and its rate-limit wait sleeps inside the request (docs/platforms.md, section 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from django.utils import timezone

from inbox import budgets
from inbox.connectors import AuthExpired, RateLimited, Rejected, Unavailable
from inbox.http import ApiClient

from . import conf

TWEET_FIELDS = (
    "created_at,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,"
    "lang,entities,edit_history_tweet_ids"
)
USER_FIELDS = "name,username,profile_image_url,public_metrics,verified"
TWEET_EXPANSIONS = (
    "author_id,referenced_tweets.id,referenced_tweets.id.author_id,in_reply_to_user_id"
)
DM_FIELDS = "id,text,event_type,created_at,dm_conversation_id,sender_id,participant_ids,attachments"

# Endpoint names for the rate-limit budget, recognised from the request (method, path).
ENDPOINTS: list[tuple[str, re.Pattern, str]] = [
    ("GET", re.compile(r"/2/users/[^/]+/mentions$"), "mentions"),
    ("GET", re.compile(r"/2/tweets/search/recent$"), "search_recent"),
    ("GET", re.compile(r"/2/dm_events$"), "dm_events"),
    ("GET", re.compile(r"/2/users/me$"), "users_me"),
    ("GET", re.compile(r"/2/users/[0-9]+$"), "users_lookup"),
    ("GET", re.compile(r"/2/users/[^/]+/tweets$"), "user_tweets"),
    ("POST", re.compile(r"/2/tweets$"), "create_tweet"),
    ("DELETE", re.compile(r"/2/tweets/[^/]+$"), "delete_tweet"),
    ("POST", re.compile(r"/2/users/[^/]+/likes$"), "like"),
    ("DELETE", re.compile(r"/2/users/[^/]+/likes/[^/]+$"), "like"),
    ("PUT", re.compile(r"/2/tweets/[^/]+/hidden$"), "hide"),
    ("POST", re.compile(r"/2/dm_conversations/with/[^/]+/messages$"), "create_dm"),
]


def endpoint_name(method: str, path: str) -> str:
    path = path.split("?", 1)[0]
    for m, pattern, name in ENDPOINTS:
        if m == method.upper() and pattern.search(path):
            return name
    return "other"


def read_rate_limit(headers) -> dict[str, Any] | None:
    """The budget a response reports: limit, remaining, and the reset (unix seconds)."""
    try:
        limit = int(headers["x-rate-limit-limit"])
        remaining = int(headers["x-rate-limit-remaining"])
        reset = int(headers["x-rate-limit-reset"])
    except (KeyError, ValueError):
        return None
    return {
        "limit": limit,
        "remaining": remaining,
        "reset": reset,
        "reset_at": datetime.fromtimestamp(reset, UTC).isoformat(),
    }


def _problem(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: dict) -> str:
    if body.get("detail"):
        return str(body["detail"])
    errors = body.get("errors") or []
    if errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("detail") or "")
    return str(body.get("title") or body.get("error_description") or "")


class XClient(ApiClient):
    default_base_url = conf.REAL_API_BASE

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float | None = None,
        refresh: Callable[[], str] | None = None,
        page_size: int | None = None,
        channel_id: int | None = None,
    ) -> None:
        super().__init__(base_url, timeout=timeout)
        self.token = token
        self.refresh = refresh
        self.page_size = page_size
        # Endpoint name -> the latest budget X reported for it, in this client's lifetime.
        self.rate_limits: dict[str, dict[str, Any]] = {}
        # A channel's client spends the channel's budget, shared with every other process
        # (inbox/budgets.py); a client without one (connecting) only learns from answers.
        self.channel_id = channel_id

    # -- base client hooks --
    def prepare(self, method, params, headers):
        headers["Authorization"] = f"Bearer {self.token}"

    def observe(self, response):
        budget = read_rate_limit(response.headers)
        name = endpoint_name(response.request.method, response.request.path_url)
        if budget is not None:
            budget["seen_at"] = timezone.now().isoformat()
            self.rate_limits[name] = budget
            if self.channel_id is not None:
                budgets.record(self.channel_id, {name: budget})
        elif self.channel_id is not None:
            budgets.answered_without_budget(self.channel_id, name)

    def translate_error(self, response):
        body = _problem(response)
        status = response.status_code
        if status == 429:
            budget = read_rate_limit(response.headers)
            retry_at = (
                datetime.fromtimestamp(budget["reset"], UTC)
                if budget
                else timezone.now() + timedelta(seconds=conf.WINDOW_SECONDS)
            )
            return RateLimited(retry_at, f"X rate limit reached until {retry_at.isoformat()}")
        if status == 401:
            return AuthExpired(f"X refused the token: {_detail(body) or 'Unauthorized'}")
        if status in (400, 403, 404, 409, 422):
            return Rejected(_detail(body) or f"X answered {status}", code=str(status))
        return Unavailable(f"X answered HTTP {status}")

    def request(self, method, path, **kwargs):
        """Call once; on a 401 with a refresh token available, refresh once and call again.

        Retrying after a 401 is safe even for posts: X refused the call, nothing landed.
        A spent shared budget raises `RateLimited` without calling: X would answer 429.
        """
        if self.channel_id is not None:
            name = endpoint_name(method, path)
            reset = budgets.spend(self.channel_id, name)
            if reset is not None:
                raise RateLimited(reset, f"X rate limit of {name} spent until {reset.isoformat()}")
        try:
            return super().request(method, path, **kwargs)
        except AuthExpired:
            if self.refresh is None:
                raise
            self.token = self.refresh()
            self.refresh = None
            return super().request(method, path, **kwargs)

    def budget(self, name: str) -> dict[str, Any] | None:
        if self.channel_id is not None:
            return budgets.current(self.channel_id, name)
        return self.rate_limits.get(name)

    # -- reads --
    def me(self) -> dict:
        return self.get("/2/users/me", params={"user.fields": USER_FIELDS})["data"]

    def user(self, user_id: str) -> dict | None:
        """GET /2/users/:id (https://docs.x.com/x-api/users/lookup/introduction); None when X
        answers 200 with only `errors` (suspended, deactivated or unknown user)."""
        body = self.get(f"/2/users/{user_id}", params={"user.fields": USER_FIELDS})
        return body.get("data") if isinstance(body.get("data"), dict) else None

    def mentions(
        self, user_id: str, *, since_id: str | None = None, pagination_token: str | None = None
    ) -> dict:
        params = self._timeline_params("mentions", since_id)
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self.get(f"/2/users/{user_id}/mentions", params=params)

    def search_recent(
        self, query: str, *, since_id: str | None = None, next_token: str | None = None
    ) -> dict:
        params = {"query": query, **self._timeline_params("search_recent", since_id)}
        if next_token:
            params["next_token"] = next_token  # search pages by next_token, not pagination_token
        return self.get("/2/tweets/search/recent", params=params)

    def user_tweets(self, user_id: str, *, since_id: str | None = None) -> dict:
        return self.get(
            f"/2/users/{user_id}/tweets", params=self._timeline_params("user_tweets", since_id)
        )

    def dm_events(self, *, pagination_token: str | None = None) -> dict:
        params = {
            "dm_event.fields": DM_FIELDS,
            "event_types": "MessageCreate",
            "expansions": "sender_id,participant_ids",
            "user.fields": USER_FIELDS,
            "max_results": self._page("dm_events"),
        }
        if pagination_token:
            params["pagination_token"] = pagination_token
        return self.get("/2/dm_events", params=params)

    def _page(self, name: str) -> int:
        """Results per page: the most the endpoint gives, unless the channel asks for fewer."""
        low, high = conf.PAGE_SIZE[name]
        return max(low, min(self.page_size or high, high))

    def _timeline_params(self, name: str, since_id: str | None) -> dict:
        params = {
            "tweet.fields": TWEET_FIELDS,
            "expansions": TWEET_EXPANSIONS,
            "user.fields": USER_FIELDS,
            "max_results": self._page(name),
        }
        if since_id:
            params["since_id"] = since_id
        return params

    # -- writes --
    def create_tweet(self, text: str, *, in_reply_to: str = "") -> dict:
        body: dict[str, Any] = {"text": text}
        if in_reply_to:
            body["reply"] = {"in_reply_to_tweet_id": in_reply_to}
        return self.post("/2/tweets", json=body)["data"]

    def delete_tweet(self, tweet_id: str) -> dict:
        return self.delete(f"/2/tweets/{tweet_id}")["data"]

    def like(self, user_id: str, tweet_id: str) -> dict:
        return self.post(f"/2/users/{user_id}/likes", json={"tweet_id": tweet_id})["data"]

    def unlike(self, user_id: str, tweet_id: str) -> dict:
        return self.delete(f"/2/users/{user_id}/likes/{tweet_id}")["data"]

    def hide_reply(self, tweet_id: str, hidden: bool) -> dict:
        return self.put(f"/2/tweets/{tweet_id}/hidden", json={"hidden": hidden})["data"]

    def send_dm(self, participant_id: str, text: str) -> dict:
        return self.post(
            f"/2/dm_conversations/with/{participant_id}/messages", json={"text": text}
        )["data"]


def for_channel(channel) -> XClient:
    """A client with a token good for a while; on a 401 it refreshes once and retries."""
    from . import connect  # the token lives with the connect flow, which needs no client

    token = connect.access_token(channel)
    refresh = None
    if channel.credentials.get("refresh_token"):

        def refresh():
            return connect.refresh(channel, force=True)

    timeout = channel.config.get("http_timeout")
    page_size = channel.config.get("page_size")
    return XClient(
        conf.api_base(channel),
        token,
        refresh=refresh,
        timeout=float(timeout) if timeout else None,
        page_size=int(page_size) if page_size else None,
        channel_id=channel.pk,
    )
