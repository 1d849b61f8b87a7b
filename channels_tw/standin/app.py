"""The X API v2 stand-in, as a WSGI app with its state in memory.

Paths, bodies and headers follow the documentation (docs/platforms.md, section 3, and the
fixtures beside this app): ids are strings, lists come newest first with `meta`
(`result_count`, `newest_id`, `oldest_id`, `next_token`), errors are problem JSON, every
API response carries `x-rate-limit-limit/remaining/reset`, and budgets really run out per
endpoint and token and come back when their 15-minute window resets. The clock can be moved
(`/_standin/clock`) so tests reach a reset without sleeping. Faults are injected through
`/_standin/faults`; Account Activity deliveries, signed, through `/_standin/webhook`.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode

import requests

from .query import QueryError, compile_query
from .routes import ROUTES

WINDOW = 900
DEFAULT_LIMITS = {
    "mentions": 180,
    "search_recent": 180,
    "dm_events": 180,
    "users_me": 75,
    "users_lookup": 900,
    "user_tweets": 180,
    "create_tweet": 200,
    "delete_tweet": 50,
    "like": 200,
    "hide": 50,
    "create_dm": 200,
}
TWEET_DEFAULT_FIELDS = ("id", "text", "edit_history_tweet_ids")
TWEET_OPTIONAL_FIELDS = (
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "entities",
)
USER_OPTIONAL_FIELDS = ("profile_image_url", "public_metrics", "verified")
DM_DEFAULT_FIELDS = ("id", "event_type", "text")
DM_OPTIONAL_FIELDS = (
    "created_at",
    "dm_conversation_id",
    "sender_id",
    "participant_ids",
    "attachments",
)


class Reply(Exception):
    """Raised by a handler to answer at once (errors, redirects)."""

    def __init__(self, status: int, body: Any = None, headers: list | None = None):
        self.status = status
        self.body = body
        self.headers = headers or []


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> Reply:
    return Reply(status, {"title": title, "detail": detail, "type": type_, "status": status})


def invalid(detail: str, parameter: str = "") -> Reply:
    body = {
        "errors": [{"parameters": {parameter: []} if parameter else {}, "message": detail}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    }
    return Reply(400, body)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def dm_conversation_id(a: str, b: str) -> str:
    low, high = sorted([a, b], key=int)
    return f"{low}-{high}"


class XStandin:
    def __init__(
        self,
        *,
        limits: dict[str, int] | None = None,
        window: int = WINDOW,
        first_id: int = 1901700000000000000,
    ):
        self.lock = threading.RLock()
        self.users: dict[str, dict] = {}
        self.tweets: dict[str, dict] = {}
        self.dm_events: list[dict] = []
        self.likes: set[tuple[str, str]] = set()
        self.tokens: dict[str, dict] = {}
        self.refresh_tokens: dict[str, dict] = {}
        self.codes: dict[str, dict] = {}
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.window = window
        self.windows: dict[tuple[str, str], dict] = {}
        self.faults: list[dict] = []
        self.calls: list[dict] = []
        self.webhook: dict | None = None
        self.clock_offset = 0.0
        self._ids = itertools.count(first_id, 7919)

    # ---- state, for tests and the demo -----------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.clock_offset += seconds

    def new_id(self) -> str:
        return str(next(self._ids))

    def add_user(
        self, user_id: str, username: str, name: str, *, dm_open: bool = True, followers: int = 100
    ) -> dict:
        with self.lock:
            self.users[user_id] = {
                "id": user_id,
                "username": username,
                "name": name,
                "dm_open": dm_open,
                "profile_image_url": f"https://pbs.twimg.com/profile_images/{user_id}/a_normal.jpg",
                "public_metrics": {
                    "followers_count": followers,
                    "following_count": 10,
                    "tweet_count": 100,
                    "listed_count": 0,
                },
                "verified": False,
            }
            return self.users[user_id]

    def issue_token(
        self,
        user_id: str,
        *,
        token: str = "",
        expires_in: int = 7200,
        scope: str = "tweet.read users.read tweet.write like.write dm.read "
        "dm.write tweet.moderate.write offline.access",
        refresh: bool = True,
    ) -> dict:
        with self.lock:
            access = token or secrets.token_urlsafe(32)
            self.tokens[access] = {
                "user_id": user_id,
                "expires_at": self.now() + expires_in,
                "scope": scope,
            }
            body = {
                "token_type": "bearer",
                "expires_in": expires_in,
                "access_token": access,
                "scope": scope,
            }
            if refresh and "offline.access" in scope.split():
                rt = secrets.token_urlsafe(32)
                self.refresh_tokens[rt] = {"user_id": user_id, "scope": scope}
                body["refresh_token"] = rt
            return body

    def add_tweet(
        self,
        author_id: str,
        text: str,
        *,
        in_reply_to: str = "",
        lang: str = "en",
        urls: list[str] | None = None,
        tweet_id: str = "",
        created_at: float | None = None,
        retweet_of: str = "",
    ) -> dict:
        with self.lock:
            tweet_id = tweet_id or self.new_id()
            tweet = {
                "id": tweet_id,
                "text": text,
                "author_id": author_id,
                "lang": lang,
                "created_at": created_at if created_at is not None else self.now(),
                "conversation_id": tweet_id,
                "urls": list(urls or []),
                "referenced_tweets": [],
                "hidden": False,
                "deleted": False,
                "edit_history_tweet_ids": [tweet_id],
            }
            if in_reply_to:
                parent = self.tweets[in_reply_to]
                tweet["conversation_id"] = parent["conversation_id"]
                tweet["in_reply_to_user_id"] = parent["author_id"]
                tweet["referenced_tweets"].append({"type": "replied_to", "id": in_reply_to})
            if retweet_of:
                tweet["referenced_tweets"].append({"type": "retweeted", "id": retweet_of})
            self.tweets[tweet_id] = tweet
        self._deliver_tweet(tweet)
        return tweet

    def add_dm(
        self, sender_id: str, recipient_id: str, text: str, created_at: float | None = None
    ) -> dict:
        with self.lock:
            event = {
                "id": self.new_id(),
                "event_type": "MessageCreate",
                "text": text,
                "sender_id": sender_id,
                "dm_conversation_id": dm_conversation_id(sender_id, recipient_id),
                "participant_ids": [sender_id, recipient_id],
                "created_at": created_at if created_at is not None else self.now(),
            }
            self.dm_events.append(event)
        self._deliver_dm(event)
        return event

    def inject(
        self, mode: str, endpoint: str = "*", *, times: int = 1, seconds: float = 3.0
    ) -> None:
        """Queue a fault: 429, 500, 503, 401, timeout_after_accept (answer late)."""
        with self.lock:
            self.faults.append(
                {"mode": mode, "endpoint": endpoint, "times": times, "seconds": seconds}
            )

    def posted_by(self, user_id: str) -> list[dict]:
        with self.lock:
            return sorted(
                (t for t in self.tweets.values() if t["author_id"] == user_id and not t["deleted"]),
                key=lambda t: int(t["id"]),
            )

    def calls_to(self, endpoint: str) -> list[dict]:
        with self.lock:
            return [c for c in self.calls if c["endpoint"] == endpoint]

    # ---- rendering, per the documented field sets ---------------------------------------
    def render_user(self, user: dict, fields: set[str]) -> dict:
        out = {"id": user["id"], "name": user["name"], "username": user["username"]}
        for name in USER_OPTIONAL_FIELDS:
            if name in fields:
                out[name] = user[name]
        return out

    def render_tweet(self, tweet: dict, fields: set[str]) -> dict:
        out = {name: tweet[name] for name in TWEET_DEFAULT_FIELDS}
        for name in TWEET_OPTIONAL_FIELDS:
            if name not in fields:
                continue
            if name == "created_at":
                out[name] = iso(tweet["created_at"])
            elif name == "entities":
                if tweet["urls"]:
                    out[name] = {
                        "urls": [
                            {"expanded_url": u, "url": "https://t.co/x"} for u in tweet["urls"]
                        ]
                    }
            elif name in ("in_reply_to_user_id", "referenced_tweets"):
                if tweet.get(name):
                    out[name] = tweet[name]
            else:
                out[name] = tweet[name]
        return out

    def tweet_page(
        self, tweets: list[dict], query: dict, *, kind: str, size_range: tuple[int, int]
    ) -> dict:
        """Newest first, since_id/until_id exclusive, one page, with includes and meta."""
        low, high = size_range
        try:
            size = int(query.get("max_results", 10))
        except ValueError:
            raise invalid("max_results must be a number", "max_results") from None
        if not low <= size <= high:
            raise invalid(f"max_results must be between {low} and {high}", "max_results")
        since = query.get("since_id")
        until = query.get("until_id")
        token_name = "next_token" if kind == "search" else "pagination_token"
        token = query.get(token_name)
        selected = [
            t
            for t in tweets
            if not t["deleted"]
            and (not since or int(t["id"]) > int(since))
            and (not until or int(t["id"]) < int(until))
        ]
        if token:
            selected = [t for t in selected if int(t["id"]) < self._read_token(token, kind)]
        selected.sort(key=lambda t: int(t["id"]), reverse=True)
        page, rest = selected[:size], selected[size:]
        fields = set(query.get("tweet.fields", "").split(","))
        user_fields = set(query.get("user.fields", "").split(","))
        expansions = set(query.get("expansions", "").split(","))
        body: dict[str, Any] = {}
        if page:
            body["data"] = [self.render_tweet(t, fields) for t in page]
            includes: dict[str, list] = {}
            user_ids: list[str] = []
            if "author_id" in expansions:
                user_ids += [t["author_id"] for t in page]
            if "in_reply_to_user_id" in expansions:
                user_ids += [t["in_reply_to_user_id"] for t in page if t.get("in_reply_to_user_id")]
            if "referenced_tweets.id" in expansions:
                ref_ids = [r["id"] for t in page for r in t["referenced_tweets"]]
                refs = [self.tweets[i] for i in dict.fromkeys(ref_ids) if i in self.tweets]
                if refs:
                    includes["tweets"] = [self.render_tweet(t, fields) for t in refs]
                if "referenced_tweets.id.author_id" in expansions:
                    user_ids += [t["author_id"] for t in refs]
            users = [self.users[i] for i in dict.fromkeys(user_ids) if i in self.users]
            if users:
                includes["users"] = [self.render_user(u, user_fields) for u in users]
            if includes:
                body["includes"] = includes
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta["newest_id"] = page[0]["id"]
            meta["oldest_id"] = page[-1]["id"]
        if rest:
            meta["next_token"] = self._make_token(page[-1]["id"], kind)
        body["meta"] = meta
        return body

    @staticmethod
    def _make_token(last_id: str, kind: str) -> str:
        return base64.b32encode(f"{kind}:{last_id}".encode()).decode().rstrip("=").lower()

    @staticmethod
    def _read_token(token: str, kind: str) -> int:
        try:
            padded = token.upper() + "=" * (-len(token) % 8)
            token_kind, _, last_id = base64.b32decode(padded).decode().partition(":")
            if token_kind != kind:
                raise ValueError
            return int(last_id)
        except (ValueError, UnicodeDecodeError):
            raise invalid("The pagination token is invalid", "pagination_token") from None

    # ---- search ------------------------------------------------------------------------
    def search_view(self, tweet: dict) -> dict:
        author = self.users.get(tweet["author_id"], {})
        replied_user = self.users.get(tweet.get("in_reply_to_user_id", ""), {})
        return {
            **tweet,
            "author_username": author.get("username", ""),
            "in_reply_to_username": replied_user.get("username", ""),
            "is_retweet": any(r["type"] == "retweeted" for r in tweet["referenced_tweets"]),
        }

    def search(self, query: str) -> list[dict]:
        if not query:
            raise invalid("The `query` query parameter can not be empty", "query")
        if len(query) > 512:
            raise invalid("The `query` query parameter value is too long", "query")
        try:
            predicate = compile_query(query)
        except QueryError as exc:
            raise invalid(f"There were errors processing your request: {exc}", "query") from None
        week_ago = self.now() - 7 * 86400
        return [
            t
            for t in self.tweets.values()
            if t["created_at"] >= week_ago and predicate(self.search_view(t))
        ]

    # ---- Account Activity deliveries ---------------------------------------------------
    def v11_user(self, user_id: str) -> dict:
        user = self.users.get(user_id, {"id": user_id, "username": "", "name": ""})
        return {
            "id": int(user_id),
            "id_str": user_id,
            "name": user["name"],
            "screen_name": user["username"],
            "protected": False,
            "verified": False,
            "followers_count": user.get("public_metrics", {}).get("followers_count", 0),
            "profile_image_url_https": user.get("profile_image_url", ""),
        }

    def aaa_tweet_body(self, tweet: dict, for_user_id: str) -> dict:
        parent = next(
            (r["id"] for r in tweet["referenced_tweets"] if r["type"] == "replied_to"), None
        )
        item = {
            "created_at": datetime.fromtimestamp(tweet["created_at"], UTC).strftime(
                "%a %b %d %H:%M:%S +0000 %Y"
            ),
            "id": int(tweet["id"]),
            "id_str": tweet["id"],
            "text": tweet["text"],
            "truncated": False,
            "in_reply_to_status_id": int(parent) if parent else None,
            "in_reply_to_status_id_str": parent,
            "in_reply_to_user_id_str": tweet.get("in_reply_to_user_id"),
            "user": self.v11_user(tweet["author_id"]),
            "lang": tweet["lang"],
            "timestamp_ms": str(int(tweet["created_at"] * 1000)),
        }
        return {"for_user_id": for_user_id, "tweet_create_events": [item]}

    def aaa_dm_body(self, event: dict, for_user_id: str) -> dict:
        recipient = next(p for p in event["participant_ids"] if p != event["sender_id"])
        item = {
            "type": "message_create",
            "id": event["id"],
            "created_timestamp": str(int(event["created_at"] * 1000)),
            "message_create": {
                "target": {"recipient_id": recipient},
                "sender_id": event["sender_id"],
                "message_data": {"text": event["text"], "entities": {}},
            },
        }
        return {
            "for_user_id": for_user_id,
            "direct_message_events": [item],
            "users": {uid: self.v11_user(uid) for uid in event["participant_ids"]},
        }

    def _subscribed(self) -> dict | None:
        with self.lock:
            return dict(self.webhook) if self.webhook else None

    def _deliver_tweet(self, tweet: dict) -> None:
        hook = self._subscribed()
        if not hook:
            return
        user = self.users.get(hook["user_id"], {})
        if (
            tweet["author_id"] == hook["user_id"]
            or tweet.get("in_reply_to_user_id") == hook["user_id"]
            or f"@{user.get('username', '-')}".lower() in tweet["text"].lower()
        ):
            self._post_signed(hook, self.aaa_tweet_body(tweet, hook["user_id"]))

    def _deliver_dm(self, event: dict) -> None:
        hook = self._subscribed()
        if hook and hook["user_id"] in event["participant_ids"]:
            self._post_signed(hook, self.aaa_dm_body(event, hook["user_id"]))

    @staticmethod
    def sign(secret: str, data: bytes) -> str:
        import hmac

        digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
        return "sha256=" + base64.b64encode(digest).decode()

    def _post_signed(self, hook: dict, body: dict) -> None:
        data = json.dumps(body, ensure_ascii=True).encode()
        headers = {
            "Content-Type": "application/json",
            "x-twitter-webhooks-signature": self.sign(hook["secret"], data),
        }

        def send():
            try:
                requests.post(hook["url"], data=data, headers=headers, timeout=5)
            except requests.RequestException:
                pass  # AAA retries on its own schedule; polling covers what is lost

        threading.Thread(target=send, daemon=True).start()

    # ---- WSGI --------------------------------------------------------------------------
    def __call__(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        headers_in = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        headers_in["content-type"] = environ.get("CONTENT_TYPE", "")
        request = {
            "method": method,
            "path": path,
            "query": query,
            "raw": raw,
            "headers": headers_in,
        }
        status, body, headers = self.handle(request)
        if isinstance(body, (dict, list)):
            data = json.dumps(body, ensure_ascii=False).encode()
            content_type = (
                "application/problem+json"
                if status >= 400 and isinstance(body, dict) and "title" in body
                else "application/json; charset=utf-8"
            )
        elif isinstance(body, str):
            data, content_type = body.encode(), "text/html; charset=utf-8"
        else:
            data, content_type = b"", "text/plain"
        all_headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), *headers]
        start_response(f"{status} {STATUS_TEXT.get(status, 'Status')}", all_headers)
        return [data]

    def handle(self, request: dict) -> tuple[int, Any, list]:
        for method, pattern, handler, endpoint in ROUTES:
            match = pattern.match(request["path"])
            if method != request["method"] or not match:
                continue
            request["args"] = match.groups()
            request["endpoint"] = endpoint
            headers: list = []
            late = 0.0
            try:
                if endpoint:
                    request["user_id"], token = self._authenticate(request)
                    fault = self._take_fault(endpoint)
                    headers = self._spend(endpoint, token, fault)
                    if fault and fault["mode"] == "timeout_after_accept":
                        late = fault["seconds"]
                    with self.lock:
                        self.calls.append(
                            {
                                "endpoint": endpoint,
                                "method": request["method"],
                                "path": request["path"],
                                "query": request["query"],
                            }
                        )
                status, body = handler(self, request)
            except Reply as reply:
                return reply.status, reply.body, headers + reply.headers
            if late:
                time.sleep(late)  # accepted, but the answer comes after the client gave up
            return status, body, headers
        return (
            404,
            {
                "title": "Not Found Error",
                "status": 404,
                "detail": "Sorry, that page does not exist.",
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            },
            [],
        )

    def _authenticate(self, request: dict) -> tuple[str, str]:
        auth = request["headers"].get("authorization", "")
        token = auth[7:] if auth.startswith("Bearer ") else ""
        with self.lock:
            grant = self.tokens.get(token)
        if not grant or grant["expires_at"] <= self.now():
            raise problem(401, "Unauthorized", "Unauthorized")
        return grant["user_id"], token

    def _take_fault(self, endpoint: str) -> dict | None:
        with self.lock:
            for fault in self.faults:
                if fault["endpoint"] in ("*", endpoint):
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _spend(self, endpoint: str, token: str, fault: dict | None) -> list:
        """Count the call against its 15-minute window; a spent budget answers 429."""
        with self.lock:
            now = int(self.now())
            key = (endpoint, token)
            window = self.windows.get(key)
            if window is None or now >= window["reset"]:
                window = self.windows[key] = {"reset": now + self.window, "used": 0}
            limit = self.limits.get(endpoint, 100)
            forced = fault is not None and fault["mode"] == "429"
            if forced:
                window["used"] = limit
            headers = [
                ("x-rate-limit-limit", str(limit)),
                ("x-rate-limit-reset", str(window["reset"])),
            ]
            if window["used"] >= limit:
                headers.append(("x-rate-limit-remaining", "0"))
                raise Reply(
                    429,
                    {
                        "title": "Too Many Requests",
                        "detail": "Too Many Requests",
                        "type": "about:blank",
                        "status": 429,
                    },
                    headers,
                )
            window["used"] += 1
            headers.append(("x-rate-limit-remaining", str(limit - window["used"])))
        if fault and fault["mode"] == "401":
            raise problem(401, "Unauthorized", "Unauthorized")
        if fault and fault["mode"] in ("500", "503"):
            raise Reply(
                int(fault["mode"]),
                {
                    "title": "Service Unavailable",
                    "detail": "Service Unavailable",
                    "type": "about:blank",
                    "status": int(fault["mode"]),
                },
                headers,
            )
        return headers

    # ---- helpers for the route handlers --------------------------------------------------
    @staticmethod
    def json_body(request: dict) -> dict:
        try:
            body = json.loads(request["raw"] or b"{}")
        except ValueError:
            raise invalid("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("the body must be a JSON object")
        return body

    @staticmethod
    def form_body(request: dict) -> dict:
        return {k: v[-1] for k, v in parse_qs(request["raw"].decode()).items()}

    def authorize_page(self, query: dict) -> str:
        fields = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
        )
        scopes = html.escape(query.get("scope", ""))
        users = "".join(
            f'<option value="{html.escape(u["id"])}">@{html.escape(u["username"])}</option>'
            for u in self.users.values()
        )
        return (
            "<!doctype html><title>Authorize app</title><h1>Authorize "
            f"{html.escape(query.get('client_id', ''))} to use your account?</h1>"
            f"<p>Scopes: {scopes}</p><form method=post>{fields}"
            f"<select name=user_id>{users}</select>"
            "<button name=approve value=1>Authorize app</button>"
            "<button name=approve value=0>Cancel</button></form>"
        )

    def redirect(self, url: str, params: dict) -> Reply:
        separator = "&" if "?" in url else "?"
        return Reply(302, b"", [("Location", f"{url}{separator}{urlencode(params)}")])


STATUS_TEXT = {
    200: "OK",
    201: "Created",
    302: "Found",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
