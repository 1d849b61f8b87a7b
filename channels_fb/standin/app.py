"""A Graph API stand-in for one Facebook app and its Pages, served as a WSGI app.

It answers the endpoints Switchboard uses (docs/platforms.md section 1) with the documented JSON,
status codes, error bodies (`{"error": {"message","type","code","error_subcode",
"fbtrace_id"}}`) and usage headers; checks `access_token` and `appsecret_proof`; enforces the
24-hour window, the HUMAN_AGENT tag and one private reply per comment within 7 days; records
everything the app posted; and sends the resulting webhooks (echoes included) back to the app.

Control endpoints under `/_standin/` add customer comments, posts and messages, and inject
faults: throttling, expired tokens, 500s, timeouts after accepting, the 24-hour window.
The same operations are methods, for tests in the same process.
"""

from __future__ import annotations

import base64
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from meta.standin.core import (
    GraphError,
    GraphStandinCore,
    check_appsecret_proof,
    minutes_left,
    not_found,
)

from . import login

PAGE_ID = "104578293366512"
PAGE_NAME = "Polaris Outfitters"
PAGE_TOKEN = "sandbox-page-token-104578293366512"  # noqa: S105 - a stand-in token
POST_ID = "104578293366512_122154830261048877"
OUTLET_PAGE_ID = "108834561200937"
IG_ACCOUNT_ID = "17841405822304914"
BUSINESS_ID = "2290145874613302"
USER_ID = "10229475500123456"  # the Facebook user who manages the Pages and logs in
DAY = 86400
WRITE_METHODS = {"POST", "DELETE"}


@dataclass
class Fault:
    # throttle answers this call only, a throttle that lifted early; `GraphStandin.throttle`
    # is the lasting one Meta documents.
    mode: str  # throttle | expired | 500 | timeout_after_accept | outside_window
    match: str = "write"  # write | read | any | a substring of the path
    count: int = 1
    seconds: float = 3.0
    minutes: int = 19  # throttle: estimated_time_to_regain_access
    code: int = 80001  # throttle: 4 (app), 17 (user), 32 (Page), 80001 (Pages use case)

    def applies(self, method: str, path: str) -> bool:
        if self.match == "any":
            return True
        if self.match == "write":
            return method in WRITE_METHODS
        if self.match == "read":
            return method == "GET"
        return self.match in path


@dataclass
class Page:
    id: str
    name: str
    token: str
    ig_account: dict | None = None
    business_owned: bool = False
    subscribed_fields: list[str] = field(default_factory=list)


class GraphStandin(GraphStandinCore):
    """Facebook's Graph: Pages, their posts, comments and Messenger threads, Facebook Login."""

    object_name = "page"

    def __init__(
        self,
        *,
        app_id: str = "switchboard-dev-app",
        app_secret: str = "switchboard-test-app-secret",
        callback_url: str = "",
        seed: bool = True,
        first_id: int = 1044100000000000,
        ask_consent: bool = False,
    ) -> None:
        super().__init__(app_secret=app_secret, callback_url=callback_url)
        self.app_id = app_id
        self.user_name = "Ada Admin"
        # Tests about what comes after the login let the person click through at once; the
        # demo shows the consent page (login.py).
        self.ask_consent = ask_consent
        self.lock = threading.RLock()
        self.ids = itertools.count(first_id)
        self.clock = time.time
        self.pages: dict[str, Page] = {}
        self.user_tokens: dict[str, str] = {}  # token → kind ("short" | "long")
        self.codes: set[str] = set()
        self.revoked: set[str] = set()
        self.posts: dict[str, dict] = {}
        self.comments: dict[str, dict] = {}
        self.threads: dict[tuple[str, str], list[dict]] = {}  # (page, psid) → messages
        self.profiles: dict[str, dict | None] = {}
        self.posted: list[dict] = []  # every write the app made, in order
        self.calls: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.throttles: dict[str, tuple[float, float, int]] = {}  # Page → (ends, minutes, code)
        if seed:
            self.seed()

    # ---- setup --------------------------------------------------------------------------------

    def seed(self) -> None:
        self.add_page(
            PAGE_ID,
            PAGE_NAME,
            token=PAGE_TOKEN,
            ig_account={"id": IG_ACCOUNT_ID, "username": "polaris.outfitters", "name": PAGE_NAME},
        )
        self.add_page(
            OUTLET_PAGE_ID,
            "Polaris Outlet Tallinn",
            token=f"sandbox-page-token-{OUTLET_PAGE_ID}",
            business_owned=True,
        )
        self.posts[POST_ID] = {
            "id": POST_ID,
            "page_id": PAGE_ID,
            "from": {"id": PAGE_ID, "name": PAGE_NAME},
            "message": "Meet the Aurora jacket: warm, light, made to last.",
            "picture": "https://scontent.xx.fbcdn.net/v/t39.30808-6/aurora_jacket_standin.jpg",
            "created_time": self.clock() - 3600,
        }

    def add_page(
        self,
        page_id: str,
        name: str,
        *,
        token: str,
        ig_account: dict | None = None,
        business_owned: bool = False,
    ) -> Page:
        with self.lock:
            self.pages[page_id] = Page(page_id, name, token, ig_account, business_owned)
            return self.pages[page_id]

    def configure(self, *, callback_url: str | None = None, app_secret: str | None = None) -> None:
        if callback_url is not None:
            self.webhooks.callback_url = callback_url
        if app_secret is not None:
            self.app_secret = self.webhooks.app_secret = app_secret

    def inject(self, mode: str, **options) -> None:
        with self.lock:
            self.faults.append(Fault(mode, **options))

    def throttle(self, *, minutes: float, code: int = 80001, page_id: str = PAGE_ID) -> None:
        """The Page's calls reach its limit. As Meta documents, every later call with its
        token fails with `code` until enough time has passed, `minutes` here, and the
        X-Business-Use-Case-Usage header says how many minutes are left
        (`estimated_time_to_regain_access`):
        https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
        Meta sends whole minutes; a test's shortened window a fraction of one."""
        with self.lock:
            self.throttles[page_id] = (self.clock() + minutes * 60, minutes, code)

    def _throttled(self, token: str) -> tuple[float, int] | None:
        """(minutes left, code) while the token's Page is throttled."""
        page = self._page_for_token(token)
        if page is None or page.id not in self.throttles:
            return None
        ends, minutes, code = self.throttles[page.id]
        if ends <= self.clock():
            return None
        return minutes_left(ends, minutes, self.clock()), code

    def expire_token(self, page_id: str = PAGE_ID) -> None:
        """The Page token dies (password change, app removed): every call gets 190 until renewed."""
        self.revoked.add(self.pages[page_id].token)

    def renew_token(self, page_id: str = PAGE_ID) -> str:
        page = self.pages[page_id]
        page.token = f"sandbox-page-token-{page_id}-{secrets.token_hex(4)}"
        return page.token

    # ---- customers (what the demo and the tests make happen) ----------------------------------

    def add_post(
        self,
        *,
        message: str,
        author: dict | None = None,
        page_id: str = PAGE_ID,
        at: float | None = None,
        picture: str = "",
        webhook: bool = True,
    ) -> str:
        """A post on the Page; by a visitor when `author` is someone else."""
        author = author or {"id": page_id, "name": self.pages[page_id].name}
        with self.lock:
            post_id = f"{page_id}_{next(self.ids)}"
            created = at or self.clock()
            self.posts[post_id] = {
                "id": post_id,
                "page_id": page_id,
                "from": author,
                "message": message,
                "created_time": created,
                "picture": picture,
            }
        if author["id"] != page_id and webhook:
            self._feed(
                page_id,
                {
                    "from": author,
                    "message": message,
                    "post_id": post_id,
                    "created_time": int(created),
                    "item": "status",
                    "published": 1,
                    "verb": "add",
                },
            )
        return post_id

    def add_comment(
        self,
        *,
        message: str,
        author: dict,
        post_id: str = POST_ID,
        parent_id: str = "",
        at: float | None = None,
    ) -> str:
        """A customer comments on a post, or replies under a comment."""
        return self._create_comment(
            post_id=post_id, parent_id=parent_id, author=author, message=message, at=at
        )

    def edit_comment(self, comment_id: str, message: str) -> None:
        comment = self.comments[comment_id]
        comment["message"] = message
        self._feed_comment(comment, "edited")

    def remove_comment(self, comment_id: str) -> None:
        comment = self.comments[comment_id]
        comment["deleted"] = True
        self._feed_comment(comment, "remove")

    def add_message(
        self,
        *,
        psid: str,
        text: str = "",
        name: str = "",
        attachments: list | None = None,
        quick_reply: str = "",
        page_id: str = PAGE_ID,
        at: float | None = None,
    ) -> str:
        """A customer writes to the Page in Messenger."""
        at = at or self.clock()
        mid = "m_" + secrets.token_urlsafe(48)
        message: dict[str, Any] = {"mid": mid}
        if text:
            message["text"] = text
        if attachments:
            message["attachments"] = attachments
        if quick_reply:
            message["quick_reply"] = {"payload": quick_reply}
        with self.lock:
            if name and psid not in self.profiles:
                first, _, last = name.partition(" ")
                self.profiles[psid] = {
                    "first_name": first,
                    "last_name": last,
                    "id": psid,
                    "profile_pic": f"https://platform-lookaside.fbsbx.com/"
                    f"platform/profilepic/?psid={psid}",
                }
            self.threads.setdefault((page_id, psid), []).append(
                {
                    "id": mid,
                    "message": text,
                    "from": {"id": psid, "name": name},
                    "created_time": at,
                    "by_customer": True,
                }
            )
        self._messaging(
            page_id,
            {
                "sender": {"id": psid},
                "recipient": {"id": page_id},
                "timestamp": int(at * 1000),
                "message": message,
            },
        )
        return mid

    def read_receipt(self, *, psid: str, page_id: str = PAGE_ID) -> None:
        now = int(self.clock() * 1000)
        self._messaging(
            page_id,
            {
                "sender": {"id": psid},
                "recipient": {"id": page_id},
                "timestamp": now,
                "read": {"watermark": now},
            },
        )

    # ---- WSGI ---------------------------------------------------------------------------------

    def usage_headers(self, *, throttled_minutes: float = 0) -> dict[str, str]:
        used = min(len(self.calls) % 100, 99)
        app = {
            "call_count": 100 if throttled_minutes else used,
            "total_cputime": used // 2,
            "total_time": used // 2,
        }
        buc = {
            PAGE_ID: [
                {
                    "type": "pages",
                    "call_count": 100 if throttled_minutes else used,
                    "total_cputime": used // 3,
                    "total_time": used // 3,
                    "estimated_time_to_regain_access": throttled_minutes,
                }
            ]
        }
        return {"X-App-Usage": json.dumps(app), "X-Business-Use-Case-Usage": json.dumps(buc)}

    # ---- Graph routing --------------------------------------------------------------------------

    def graph(self, method: str, path: str, params: dict) -> tuple[int, Any, dict]:
        parts = [p for p in path.split("/") if p]
        if parts and parts[0].startswith("v") and "." in parts[0]:
            parts = parts[1:]  # /v24.0/...
        route = "/".join(parts)
        with self.lock:
            self.calls.append((method, "/" + route))
        if route == "dialog/oauth":
            return self._oauth_dialog(method, params)
        if route == "oauth/access_token":
            return 200, self._access_token(params), self.usage_headers()
        token = str(params.get("access_token", ""))
        self._check_token(token, params)
        if throttled := self._throttled(token):
            raise _throttle_error(*throttled, self.usage_headers(throttled_minutes=throttled[0]))
        fault = self._take_fault(method, route)
        if fault and fault.mode == "throttle":
            raise _throttle_error(
                fault.minutes, fault.code, self.usage_headers(throttled_minutes=fault.minutes)
            )
        if fault and fault.mode == "expired":
            self.revoked.add(token)
            self._check_token(token, params)
        if fault and fault.mode == "500":
            raise GraphError(
                500,
                2,
                "An unexpected error has occurred. Please retry your request later.",
                transient=True,
            )
        if fault and fault.mode == "outside_window":
            raise _window_error()
        result = self._dispatch(method, parts, params, token)
        if fault and fault.mode == "timeout_after_accept":
            time.sleep(fault.seconds)  # done, but the answer comes too late
        return 200, result, self.usage_headers()

    def _take_fault(self, method: str, route: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.applies(method, route):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def _check_token(self, token: str, params: dict) -> None:
        if not token:
            raise GraphError(400, 104, "An access token is required to request this resource.")
        if token in self.revoked:
            raise GraphError(
                400,
                190,
                "Error validating access token: The session has been "
                "invalidated because the user changed their password or Facebook "
                "has changed the session for security reasons.",
                subcode=460,
            )
        known = token in self.user_tokens or any(p.token == token for p in self.pages.values())
        if not known:
            raise GraphError(
                400, 190, "Invalid OAuth access token - Cannot parse access token", subcode=467
            )
        check_appsecret_proof(token, params, self.app_secret)

    def _page_for_token(self, token: str) -> Page | None:
        return next((p for p in self.pages.values() if p.token == token), None)

    def _dispatch(self, method: str, parts: list[str], params: dict, token: str) -> Any:
        if not parts:
            raise not_found("")
        head, edge = parts[0], parts[1] if len(parts) > 1 else ""
        if head == "me":
            page = self._page_for_token(token)
            head = page.id if page else "me"
        if head == "me":
            return self._user_edge(edge, params)
        if head == BUSINESS_ID and edge == "owned_pages":
            return {"data": [self._page_json(p) for p in self.pages.values() if p.business_owned]}
        if head in self.pages:
            return self._page_edge(method, self.pages[head], edge, params, token)
        if head in self.comments or head in self.posts:
            return self._object(method, head, edge, params, token)
        if method == "GET" and not edge and head.isdigit():
            return self._profile(head)
        raise not_found(head)

    # ---- OAuth ------------------------------------------------------------------------------------

    def _oauth_dialog(self, method: str, params: dict) -> tuple[int, Any, dict]:
        """Facebook Login's dialog: a consent page (GET), then the person's answer (POST)."""
        refusal = login.check(self, params)
        if refusal:
            return 400, login.error_page(refusal), {}
        if method == "GET" and self.ask_consent:
            return 200, login.page(self, params), {}
        if method == "GET":
            params = {**params, "decision": "continue"}
        state = {"state": params.get("state", "")}
        if params.get("decision") != "continue":
            return (
                302,
                {
                    "location": login.redirect_location(
                        params["redirect_uri"], {**login.DENIED, **state}
                    )
                },
                {},
            )
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes.add(code)
            # Logging in again hands out fresh Page tokens where the old ones died.
            for page in self.pages.values():
                if page.token in self.revoked:
                    self.renew_token(page.id)
        return (
            302,
            {"location": login.redirect_location(params["redirect_uri"], {"code": code, **state})},
            {},
        )

    def _access_token(self, params: dict) -> dict:
        if params.get("client_secret") != self.app_secret:
            raise GraphError(400, 1, "Error validating client secret.")
        if params.get("grant_type") == "fb_exchange_token":
            if params.get("fb_exchange_token") not in self.user_tokens:
                raise GraphError(400, 190, "Invalid OAuth access token.", subcode=467)
            token = "sandbox-user-long-" + secrets.token_hex(8)
            self.user_tokens[token] = "long"
            return {"access_token": token, "token_type": "bearer", "expires_in": 5183944}
        code = params.get("code", "")
        if code not in self.codes:
            raise GraphError(400, 100, "Invalid verification code format.", subcode=36007)
        self.codes.discard(code)
        token = "sandbox-user-short-" + secrets.token_hex(8)
        self.user_tokens[token] = "short"
        return {"access_token": token, "token_type": "bearer", "expires_in": 5183}

    def _page_json(self, page: Page) -> dict:
        data: dict[str, Any] = {
            "access_token": page.token,
            "category": "Shopping & Retail",
            "name": page.name,
            "id": page.id,
            "tasks": ["ANALYZE", "MESSAGING", "MODERATE", "MANAGE"],
        }
        if page.ig_account:
            data["instagram_business_account"] = dict(page.ig_account)
        return data

    def _user_edge(self, edge: str, params: dict) -> Any:
        if edge == "accounts":
            return {
                "data": [self._page_json(p) for p in self.pages.values() if not p.business_owned],
                "paging": {"cursors": {"before": "QVFIUnN0", "after": "QVFIUmRk"}},
            }
        if edge == "businesses":
            return {"data": [{"id": BUSINESS_ID, "name": "Polaris Group OÜ"}]}
        if edge == "":
            return {"id": USER_ID, "name": self.user_name}
        raise not_found(f"me/{edge}")

    # ---- Pages --------------------------------------------------------------------------------------

    def _page_edge(self, method: str, page: Page, edge: str, params: dict, token: str) -> Any:
        if token != page.token and not (edge == "" and token in self.user_tokens):
            raise GraphError(
                403,
                200,
                "(#200) The Page access token does not belong to this Page",
                kind="OAuthException",
            )
        if edge == "subscribed_apps" and method == "POST":
            page.subscribed_fields = str(params.get("subscribed_fields", "")).split(",")
            self._record(
                {"kind": "subscribe", "page_id": page.id, "fields": page.subscribed_fields}
            )
            return {"success": True}
        if edge in ("feed", "posts") and method == "GET":
            since = float(params.get("since") or 0)
            posts = sorted(
                (
                    p
                    for p in self.posts.values()
                    if p["page_id"] == page.id
                    and p["created_time"] >= since
                    and (edge == "feed" or p["from"]["id"] == page.id)
                ),
                key=lambda p: -p["created_time"],
            )
            return self._paged([self._post_json(p, params) for p in posts], params)
        if edge == "messages" and method == "POST":
            return self._send(page, params)
        if edge == "conversations" and method == "GET":
            return self._conversations(page, params)
        if edge == "" and method == "GET":
            return {"id": page.id, "name": page.name}
        raise not_found(f"{page.id}/{edge}")

    def _conversations(self, page: Page, params: dict) -> dict:
        wanted = params.get("user_id")
        threads: list[dict[str, Any]] = []
        for (page_id, psid), messages in self.threads.items():
            if page_id != page.id or (wanted and psid != wanted) or not messages:
                continue
            name = next((m["from"]["name"] for m in messages if m.get("by_customer")), "")
            threads.append(
                {
                    "id": f"t_{psid}",
                    "updated_time": iso(messages[-1]["created_time"]),
                    "participants": {
                        "data": [
                            {"name": name, "email": f"{psid}@facebook.com", "id": psid},
                            {"name": page.name, "email": f"{page.id}@facebook.com", "id": page.id},
                        ]
                    },
                    "messages": {
                        "data": [
                            {
                                "id": m["id"],
                                "message": m["message"],
                                "from": m["from"],
                                "created_time": iso(m["created_time"]),
                            }
                            for m in reversed(messages[-25:])
                        ]
                    },
                }
            )
        threads.sort(key=lambda t: t["updated_time"], reverse=True)
        return self._paged(threads, params)

    def _send(self, page: Page, params: dict) -> dict:
        recipient = _as_dict(params.get("recipient"))
        message = _as_dict(params.get("message"))
        text = str(message.get("text") or "")
        if not text and not message.get("attachment"):
            raise GraphError(400, 100, "(#100) The parameter message[text] is required")
        now = self.clock()
        if recipient.get("comment_id") or recipient.get("post_id"):
            object_id = str(recipient.get("comment_id") or recipient.get("post_id"))
            target = self.comments.get(object_id) or self.posts.get(object_id)
            if target is None or target.get("deleted"):
                raise not_found(object_id)
            if target.get("private_replied"):
                raise GraphError(400, 10900, "Activity already replied to")
            if now - target["created_time"] > 7 * DAY:
                raise GraphError(400, 10903, "This activity can't be replied to")
            target["private_replied"] = True
            psid = str(target["from"]["id"])
            kind = "private_reply"
        else:
            psid = str(recipient.get("id") or "")
            thread = self.threads.get((page.id, psid))
            last = max(
                (m["created_time"] for m in thread or [] if m.get("by_customer")), default=None
            )
            if last is None:
                raise GraphError(400, 100, "(#100) No matching user found", subcode=2018001)
            tag = params.get("tag")
            allowed = (
                7 * DAY
                if (params.get("messaging_type") == "MESSAGE_TAG" and tag == "HUMAN_AGENT")
                else DAY
            )
            if now - last > allowed:
                raise _window_error()
            kind = "dm"
        mid = "m_" + secrets.token_urlsafe(48)
        with self.lock:
            self.threads.setdefault((page.id, psid), []).append(
                {
                    "id": mid,
                    "message": text,
                    "from": {"id": page.id, "name": page.name},
                    "created_time": now,
                }
            )
        self._record(
            {
                "kind": kind,
                "page_id": page.id,
                "recipient": recipient,
                "text": text,
                "message_id": mid,
                "messaging_type": params.get("messaging_type", ""),
                "tag": params.get("tag", ""),
                "metadata": message.get("metadata", ""),
            }
        )
        echo: dict[str, Any] = {"mid": mid, "is_echo": True, "app_id": self.app_id, "text": text}
        if message.get("metadata"):
            echo["metadata"] = message["metadata"]
        self._messaging(
            page.id,
            {
                "sender": {"id": page.id},
                "recipient": {"id": psid},
                "timestamp": int(now * 1000),
                "message": echo,
            },
        )
        return {"recipient_id": psid, "message_id": mid}

    # ---- comments and posts -------------------------------------------------------------------

    def _object(self, method: str, object_id: str, edge: str, params: dict, token: str) -> Any:
        obj = self.comments.get(object_id) or self.posts[object_id]
        page = self.pages[obj["page_id"]]
        if token != page.token:
            raise GraphError(403, 200, "(#200) Permissions error")
        if obj.get("deleted"):
            raise not_found(object_id)
        if edge == "comments" and method == "POST":
            is_post = object_id in self.posts
            comment_id = self._create_comment(
                post_id=object_id if is_post else obj["post_id"],
                parent_id="" if is_post else object_id,
                author={"id": page.id, "name": page.name},
                message=str(params.get("message", "")),
            )
            self._record(
                {
                    "kind": "comment",
                    "parent": object_id,
                    "id": comment_id,
                    "text": params.get("message", ""),
                }
            )
            return {"id": comment_id}
        if edge == "comments" and method == "GET":
            return self._paged(self._list_comments(object_id, params), params)
        if edge == "likes" and method in ("POST", "DELETE"):
            obj["liked"] = method == "POST"
            self._record({"kind": "like" if method == "POST" else "unlike", "id": object_id})
            return {"success": True}
        if edge == "" and method == "POST" and "is_hidden" in params:
            hidden = str(params["is_hidden"]).lower() == "true"
            obj["is_hidden"] = hidden
            self._record({"kind": "hide" if hidden else "unhide", "id": object_id})
            self._feed_comment(obj, "hide" if hidden else "unhide")
            return {"success": True}
        if edge == "" and method == "DELETE":
            obj["deleted"] = True
            self._record({"kind": "delete", "id": object_id})
            if object_id in self.comments:
                self._feed_comment(obj, "remove")
            return {"success": True}
        if edge == "" and method == "GET":
            if object_id in self.posts:
                return self._post_json(obj, params)
            return self._comment_json(obj, can_reply=True)
        raise not_found(f"{object_id}/{edge}")

    def _post_json(self, post: dict, params: dict) -> dict:
        """A Page Post with the fields asked for (`id` always), as GET /{post-id} and the
        feed edge answer: https://developers.facebook.com/docs/graph-api/reference/page-post
        A post without a picture has no `full_picture`, as on Facebook."""
        full = {
            "message": post["message"],
            "created_time": iso(post["created_time"]),
            "updated_time": iso(post["created_time"]),
            "permalink_url": permalink(post["id"]),
            "from": post["from"],
        }
        if post.get("picture"):
            full["full_picture"] = post["picture"]
        wanted = [f for f in str(params.get("fields") or "message,created_time").split(",") if f]
        return {"id": post["id"], **{k: full[k] for k in wanted if k in full}}

    def _list_comments(self, object_id: str, params: dict) -> list[dict]:
        stream = params.get("filter") == "stream"
        if object_id in self.posts:
            found = [
                c
                for c in self.comments.values()
                if c["post_id"] == object_id and (stream or not c["parent_id"])
            ]
        else:
            found = [c for c in self.comments.values() if c["parent_id"] == object_id]
        found = [c for c in found if not c.get("deleted")]
        found.sort(
            key=lambda c: c["created_time"], reverse=params.get("order") == "reverse_chronological"
        )
        return [self._comment_json(c) for c in found]

    def _comment_json(self, comment: dict, *, can_reply: bool = False) -> dict:
        data = {
            "id": comment["id"],
            "message": comment["message"],
            "from": comment["from"],
            "created_time": iso(comment["created_time"]),
            "is_hidden": bool(comment.get("is_hidden")),
        }
        if comment.get("parent_id"):
            data["parent"] = {"id": comment["parent_id"]}
        if can_reply:
            data["can_reply_privately"] = (
                not comment.get("private_replied")
                and self.clock() - comment["created_time"] <= 7 * DAY
                and comment["from"]["id"] != comment["page_id"]
            )
        return data

    def _create_comment(
        self, *, post_id: str, parent_id: str, author: dict, message: str, at: float | None = None
    ) -> str:
        post = self.posts.get(post_id)
        if post is None:
            raise not_found(post_id)
        if parent_id and self.comments.get(parent_id, {}).get("parent_id"):
            parent_id = self.comments[parent_id]["parent_id"]  # threads are two levels deep
        with self.lock:
            comment_id = f"{post_id.partition('_')[2]}_{next(self.ids)}"
            comment = {
                "id": comment_id,
                "post_id": post_id,
                "parent_id": parent_id,
                "page_id": post["page_id"],
                "from": author,
                "message": message,
                "created_time": at or self.clock(),
            }
            self.comments[comment_id] = comment
        self._feed_comment(comment, "add")
        return comment_id

    # ---- webhooks ---------------------------------------------------------------------------

    def _feed_comment(self, comment: dict, verb: str) -> None:
        post = self.posts[comment["post_id"]]
        value: dict[str, Any] = {
            "from": comment["from"],
            "post": {
                "status_type": "added_photos",
                "is_published": True,
                "updated_time": iso(post["created_time"]),
                "permalink_url": permalink(post["id"]),
                "promotion_status": "inactive",
                "id": post["id"],
            },
            "message": comment["message"],
            "post_id": post["id"],
            "comment_id": comment["id"],
            "created_time": int(comment["created_time"]),
            "item": "comment",
            "parent_id": comment["parent_id"] or post["id"],
            "verb": verb,
        }
        if verb == "remove":
            value = {k: v for k, v in value.items() if k not in ("from", "post", "message")}
        if verb in ("hide", "unhide"):
            value.pop("post")
            value.pop("message")
            value["created_time"] = int(self.clock())
        self._feed(comment["page_id"], value)

    def _feed(self, page_id: str, value: dict) -> None:
        self.webhooks.add(
            {
                "id": page_id,
                "time": int(self.clock()),
                "changes": [{"value": value, "field": "feed"}],
            },
            group="feed",
        )

    def _messaging(self, page_id: str, event: dict) -> None:
        self.webhooks.add(
            {"id": page_id, "time": int(self.clock() * 1000), "messaging": [event]},
            group="messaging",
        )

    def _record(self, entry: dict) -> None:
        with self.lock:
            self.posted.append({**entry, "at": self.clock()})

    def _profile(self, psid: str) -> dict:
        profile = self.profiles.get(psid)
        if profile is None:
            raise GraphError(
                400, 100, "(#100) No profile available for that user.", subcode=2018218
            )
        return {**profile, "name": f"{profile['first_name']} {profile['last_name']}".strip()}

    def _paged(self, items: list, params: dict) -> dict:
        limit = int(params.get("limit") or 25)
        start = int(base64.b64decode(params["after"]).decode()) if params.get("after") else 0
        page = items[start : start + limit]
        body: dict[str, Any] = {"data": page}
        if items:
            body["paging"] = {
                "cursors": {
                    "before": base64.b64encode(str(start).encode()).decode(),
                    "after": base64.b64encode(str(start + len(page)).encode()).decode(),
                }
            }
            if start + limit < len(items):
                body["paging"]["next"] = "https://graph.facebook.com/v24.0/next?" + urlencode(
                    {"after": body["paging"]["cursors"]["after"]}
                )
        return body

    # ---- control endpoints --------------------------------------------------------------------

    def control(self, method: str, path: str, params: dict) -> Any:
        action = path.removeprefix("/_standin/").strip("/")
        if action == "posted":
            return {"data": self.posted}
        if action == "state":
            return {
                "pages": list(self.pages),
                "comments": len(self.comments),
                "threads": len(self.threads),
                "pending_webhooks": self.webhooks.pending,
                "faults": [f.__dict__ for f in self.faults],
            }
        if method != "POST":
            raise not_found(path)
        if action == "comment":
            return {
                "id": self.add_comment(
                    message=params["message"],
                    author=_as_dict(params["from"]),
                    post_id=params.get("post_id", POST_ID),
                    parent_id=params.get("parent_id", ""),
                )
            }
        if action == "post":
            return {
                "id": self.add_post(
                    message=params["message"], author=_as_dict(params.get("from")) or None
                )
            }
        if action == "message":
            return {
                "mid": self.add_message(
                    psid=params["psid"], text=params.get("text", ""), name=params.get("name", "")
                )
            }
        if action == "fault":
            options = {
                k: type(getattr(Fault, k))(v)
                for k, v in params.items()
                if k in ("match", "count", "seconds", "minutes")
            }
            self.inject(params["mode"], **options)
            return {"faults": len(self.faults)}
        if action == "config":
            self.configure(
                callback_url=params.get("callback_url"), app_secret=params.get("app_secret")
            )
            return {"callback_url": self.webhooks.callback_url}
        if action == "deliver":
            return {
                "delivered": self.webhooks.deliver_due(force=True),
                "pending": self.webhooks.pending,
            }
        raise not_found(path)


def _throttle_error(minutes: float, code: int, headers: dict) -> GraphError:
    return GraphError(
        400,
        code,
        f"(#{code}) There have been too many calls "
        "to this Page account. Wait a bit and try again. For more info, "
        "please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        transient=True,
        headers=headers,
    )


def _window_error() -> GraphError:
    return GraphError(
        400,
        10,
        "(#10) This message is sent outside of allowed window. Learn more "
        "about the new policy here: https://developers.facebook.com/docs/"
        "messenger-platform/policy-overview",
        subcode=2018278,
    )


def _as_dict(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        try:
            decoded = json.loads(value)
        except ValueError:
            return {}
        return decoded if isinstance(decoded, dict) else {}
    return {}


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def permalink(post_id: str) -> str:
    page, _, post = post_id.partition("_")
    return f"https://www.facebook.com/{page}/posts/{post}"
