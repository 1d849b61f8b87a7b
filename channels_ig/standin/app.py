"""The Instagram Graph API stand-in: the endpoints the connector uses, on the Meta stand-in
core (meta/standin/core.py: request reading, error bodies, appsecret_proof, the deliverer).

Paths may carry a version prefix (`/v24.0/...`) as the real host's do. Every call must bring
a valid `access_token` and its `appsecret_proof`. Errors use Meta's body and codes:
https://developers.facebook.com/docs/graph-api/guides/error-handling
Usage headers: https://developers.facebook.com/docs/graph-api/overview/rate-limiting

`/_standin/...` is the control surface for tests and the demo: customer activity, faults,
token expiry, the callback URL, and what was posted.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from typing import Any

from meta.standin.core import (
    GraphError,
    GraphStandinCore,
    check_appsecret_proof,
    minutes_left,
    not_found,
)

from .platform import DAY, InstagramAccount, iso

MENTIONED_COMMENT = re.compile(r"mentioned_comment\.comment_id\((\w+)\)")
MENTIONED_MEDIA = re.compile(r"mentioned_media\.media_id\((\w+)\)")


class InstagramStandin(GraphStandinCore):
    object_name = "instagram"
    """Callable as WSGI. `account` holds the state; `faults` is consumed by the next calls."""

    def __init__(
        self,
        *,
        account_id: str = "17841405822304914",
        username: str = "polarisoutfitters",
        page_id: str = "104857600000001",
        access_token: str = "IG-STANDIN-TOKEN",
        app_secret: str | None = None,
        callback_url: str = "",
        echo_delay: float = 0.3,
        batch_window: float = 0.05,
        retry_delays: tuple[float, ...] | None = None,
    ) -> None:
        if app_secret is None:
            from django.conf import settings

            app_secret = settings.META_APP_SECRET
        kwargs = {"retry_delays": retry_delays} if retry_delays else {}
        super().__init__(
            app_secret=app_secret, callback_url=callback_url, batch_window=batch_window, **kwargs
        )
        self.webhooks.start()  # delivers as soon as a callback URL is set
        self.account = InstagramAccount(
            account_id=account_id,
            username=username,
            page_id=page_id,
            access_token=access_token,
            webhooks=self.webhooks,
            echo_delay=echo_delay,
        )
        self.faults: list[dict[str, Any]] = []
        self.throttled: tuple[float, float, int] | None = None  # (ends, minutes, code)
        self.calls: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.token_counter = 0
        self.call_times: deque[float] = deque()
        self.calls_per_minute = 600

    # ---- faults ----------------------------------------------------------------------------
    def inject(self, mode: str, *, count: int = 1, on: str = "any", **options: Any) -> None:
        """Fail the next `count` matching calls. `on`: "any", "read" (GET) or "write".

        `skip` lets that many matching calls through first. Modes: throttle (code 80002 + usage headers, `minutes` to regain access), expired
        (190/463 for this call only; see expire_token for a lasting expiry), error500
        (code 1, HTTP 500), timeout (accept the write, answer after `seconds`), window (the
        24-hour window error on the next send)."""
        with self.lock:
            for _ in range(count):
                self.faults.append({"mode": mode, "on": on, **options})

    def throttle(self, *, minutes: float, code: int = 80002) -> None:
        """The account reaches its limit: as Meta documents, every later call fails with
        `code` until `minutes` have passed, its X-Business-Use-Case-Usage saying how many
        are left (https://developers.facebook.com/docs/graph-api/overview/rate-limiting/).
        The `throttle` fault, by contrast, answers one call only."""
        self.throttled = (time.time() + minutes * 60, minutes, code)

    def _take_fault(self, method: str, *, is_send: bool) -> dict | None:
        with self.lock:
            for fault in self.faults:
                kind = "read" if method == "GET" else "write"
                if fault["mode"] == "window" and not is_send:
                    continue
                if fault["on"] in ("any", kind):
                    if fault.get("skip", 0) > 0:  # let this many matching calls through
                        fault["skip"] -= 1
                        return None
                    self.faults.remove(fault)
                    return fault
        return None

    def expire_token(self) -> None:
        with self.account.lock:
            self.account.tokens.clear()

    def new_token(self) -> str:
        with self.account.lock:
            self.token_counter += 1
            token = f"IG-STANDIN-TOKEN-{self.token_counter}"
            self.account.tokens.add(token)
            return token

    # ---- WSGI ------------------------------------------------------------------------------
    def record(self, method: str, path: str) -> None:
        with self.lock:
            self.calls.append((method, path))
            self.call_times.append(time.monotonic())

    def usage_headers(self) -> dict[str, str]:
        return {"X-App-Usage": json.dumps(self._usage())}

    def _usage(self) -> dict[str, int]:
        """X-App-Usage: the share of a per-minute budget used (throttling itself is a fault)."""
        cutoff = time.monotonic() - 60
        with self.lock:
            while self.call_times and self.call_times[0] < cutoff:
                self.call_times.popleft()
            percent = min(99, len(self.call_times) * 100 // self.calls_per_minute)
        return {"call_count": percent, "total_cputime": percent, "total_time": percent}

    # ---- the Graph API ---------------------------------------------------------------------
    def _authenticate(self, params: dict) -> None:
        token = params.get("access_token", "")
        if token not in self.account.tokens:
            raise GraphError(
                400,
                190,
                "Error validating access token: Session has expired on "
                "Saturday, 15-Mar-25 18:00:00 PDT.",
                subcode=463,
            )
        check_appsecret_proof(token, params, self.app_secret)

    def _apply_fault(self, fault: dict) -> None:
        mode = fault["mode"]
        if mode == "throttle":
            minutes = fault.get("minutes", 2)
            usage = {
                self.account.account_id: [
                    {
                        "type": "instagram",
                        "call_count": 100,
                        "total_cputime": 40,
                        "total_time": 45,
                        "estimated_time_to_regain_access": minutes,
                    }
                ]
            }
            code = fault.get("code", 80002)  # or 4 (app), 17 (user), 32 (Page)
            raise GraphError(
                400,
                code,
                f"(#{code}) There have been too many calls to this "
                "Instagram account. Wait a bit and try again.",
                headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
            )
        if mode == "expired":
            raise GraphError(
                400, 190, "Error validating access token: Session has expired.", subcode=463
            )
        if mode == "error500":
            raise GraphError(500, 1, "An unknown error has occurred.", transient=True)
        if mode == "window":
            raise GraphError(
                400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278
            )

    def graph(self, method: str, path: str, params: dict) -> tuple[int, Any, dict]:
        self._authenticate(params)
        if self.throttled and self.throttled[0] > time.time():
            ends, minutes, code = self.throttled
            left = minutes_left(ends, minutes, time.time())
            self._apply_fault({"mode": "throttle", "minutes": left, "code": code})
        parts = [p for p in path.split("/") if p]
        is_send = method == "POST" and len(parts) == 2 and parts[1] == "messages"
        fault = self._take_fault(method, is_send=is_send)
        if fault and fault["mode"] != "timeout":
            self._apply_fault(fault)
        result = self._route(method, parts, params)
        if fault and fault["mode"] == "timeout":
            # Accepted and done, but the answer comes after the client has given up.
            time.sleep(float(fault.get("seconds", 2)))
        return 200, result, {}

    def _route(self, method: str, parts: list[str], params: dict) -> Any:
        acct = self.account
        me = acct.account_id
        if method == "GET" and len(parts) == 2 and parts[0] == me and parts[1] == "media":
            return self._media_list(params)
        if method == "GET" and len(parts) == 2 and parts[1] == "comments":
            return self._comments(parts[0], params)
        if method == "GET" and len(parts) == 2 and parts[1] == "replies":
            comment = self._comment(parts[0])
            return {
                "data": [
                    acct.comments[r].graph()
                    for r in comment.replies
                    if not acct.comments[r].deleted
                ]
            }
        if method == "GET" and len(parts) == 2 and parts[1] == "conversations":
            return self._conversations(params)
        if method == "GET" and len(parts) == 1:
            return self._object(parts[0], params)
        if method == "POST" and len(parts) == 2 and parts[1] == "replies":
            self._own_comment(parts[0])
            return {"id": acct.reply(parts[0], params["message"]).id}
        if method == "POST" and len(parts) == 2 and parts[0] == me and parts[1] == "mentions":
            return self._reply_to_mention(params)
        if (
            method == "POST"
            and len(parts) == 2
            and parts[1] == "messages"
            and parts[0] in (me, acct.page_id, "me")
        ):
            return self._send(params)
        if method == "POST" and len(parts) == 1 and "hide" in params:
            comment = self._own_comment(parts[0])
            comment.hidden = params["hide"] in ("true", True)
            acct.record("hide" if comment.hidden else "unhide", target=comment.id)
            return {"success": True}
        if method == "DELETE" and len(parts) == 1:
            comment = self._own_comment(parts[0])
            comment.deleted = True
            acct.record("delete", target=comment.id)
            return {"success": True}
        raise GraphError(400, 100, f"Unsupported {method.lower()} request.", subcode=33)

    def _comment(self, comment_id: str):
        comment = self.account.comments.get(comment_id)
        if comment is None or comment.deleted:
            raise not_found(comment_id)
        return comment

    def _own_comment(self, comment_id: str):
        comment = self._comment(comment_id)
        if self.account.media[comment.media_id].owner != self.account.account_id:
            raise GraphError(403, 10, "(#10) Application does not have permission for this action")
        return comment

    @staticmethod
    def _page(items: list[dict], params: dict) -> dict:
        limit = int(params.get("limit") or 25)
        start = int(params.get("after") or 0) if str(params.get("after", "")).isdigit() else 0
        page = items[start : start + limit]
        result: dict[str, Any] = {
            "data": page,
            "paging": {"cursors": {"before": str(start), "after": str(start + len(page))}},
        }
        if start + limit < len(items):
            result["paging"]["next"] = (
                f"https://graph.facebook.com/v24.0/next?after={start + limit}"
            )
        return result

    def _media_list(self, params: dict) -> dict:
        acct = self.account
        with acct.lock:
            mine = sorted(
                (m for m in acct.media.values() if m.owner == acct.account_id),
                key=lambda m: m.at,
                reverse=True,
            )
            items = [
                {
                    "id": m.id,
                    "caption": m.caption,
                    "comments_count": len(m.comments),
                    "like_count": 0,
                    "media_type": m.media_type,
                    "media_product_type": "FEED",
                    "media_url": m.media_url,
                    "permalink": m.permalink,
                    "timestamp": iso(m.at),
                }
                for m in mine
            ]
        return self._page(items, params)

    def _comments(self, media_id: str, params: dict) -> dict:
        acct = self.account
        with acct.lock:
            media = acct.media.get(media_id)
            if media is None:
                raise not_found(media_id)
            items = []
            for comment_id in reversed(media.comments):
                comment = acct.comments[comment_id]
                if comment.deleted:
                    continue
                data = comment.graph()
                data["replies"] = {
                    "data": [
                        acct.comments[r].graph()
                        for r in comment.replies
                        if not acct.comments[r].deleted
                    ]
                }
                items.append(data)
        return self._page(items, params)

    def _object(self, object_id: str, params: dict) -> dict:
        acct = self.account
        fields = params.get("fields", "")
        if object_id == acct.account_id:
            if match := MENTIONED_COMMENT.search(fields):
                comment = self._comment(match.group(1))
                return {
                    "mentioned_comment": {
                        "id": comment.id,
                        "text": comment.text,
                        "timestamp": iso(comment.at),
                        "username": comment.author.username,
                        "like_count": 0,
                        "media": {
                            "id": comment.media_id,
                            "permalink": acct.media[comment.media_id].permalink,
                        },
                    },
                    "id": object_id,
                }
            if match := MENTIONED_MEDIA.search(fields):
                media = acct.media.get(match.group(1))
                if media is None:
                    raise not_found(match.group(1))
                return {
                    "mentioned_media": {
                        "id": media.id,
                        "caption": media.caption,
                        "media_type": media.media_type,
                        "permalink": media.permalink,
                        "timestamp": iso(media.at),
                        "username": media.owner,
                    },
                    "id": object_id,
                }
            return {"id": acct.account_id, "username": acct.username, "name": acct.username}
        if object_id in acct.comments:
            return self._comment(object_id).graph()
        if object_id in acct.media:
            return self._media(acct.media[object_id], fields)
        person = acct.people.get(object_id)
        if person is None:
            raise not_found(object_id)
        if not person.consented:
            raise GraphError(400, 230, "(#230) User consent is required to access user profile")
        return {
            "name": person.name,
            "username": person.username,
            "profile_pic": f"https://scontent.cdninstagram.com/v/standin/{person.igsid}.jpg",
            "is_verified_user": False,
            "follower_count": person.follower_count,
            "is_user_follow_business": False,
            "is_business_follow_user": False,
            "id": person.igsid,
        }

    def _media(self, media, fields: str) -> dict:
        """GET /{ig-media-id} with the fields asked for, `id` always:
        https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media
        Media on other accounts (where mentions happen) is not ours to read."""
        if media.owner != self.account.account_id:
            raise not_found(media.id)
        full = {
            "caption": media.caption,
            "permalink": media.permalink,
            "media_type": media.media_type,
            "media_product_type": "FEED",
            "media_url": media.media_url,
            "timestamp": iso(media.at),
            "username": self.account.username,
            "comments_count": len(media.comments),
        }
        wanted = [f for f in (fields or "id").split(",") if f]
        return {**{k: full[k] for k in wanted if k in full}, "id": media.id}

    def _conversations(self, params: dict) -> dict:
        if not params.get("user_id"):
            return self._all_conversations(params)
        acct = self.account
        igsid = params.get("user_id", "")
        with acct.lock:
            thread = sorted(
                (d for d in acct.dms.values() if d.igsid == igsid and not d.deleted),
                key=lambda d: d.at,
                reverse=True,
            )
            username = acct.people[igsid].username if igsid in acct.people else ""
            messages = [
                {
                    "id": d.mid,
                    "message": d.text,
                    "created_time": iso(d.at),
                    "from": (
                        {"id": acct.account_id, "username": acct.username}
                        if d.from_us
                        else {"id": igsid, "username": username}
                    ),
                    "to": {"data": [{"id": igsid if d.from_us else acct.account_id}]},
                }
                for d in thread
            ]
        if not messages:
            return {"data": []}
        return {
            "data": [
                {"id": f"aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6{igsid}", "messages": {"data": messages}}
            ]
        }

    def _all_conversations(self, params: dict) -> dict:
        """The account's DM threads, most recently active first, each with its participants
        and latest messages: the Conversations API's documented shape."""
        acct = self.account
        with acct.lock:
            threads: dict[str, list] = {}
            for dm in acct.dms.values():
                if not dm.deleted:
                    threads.setdefault(dm.igsid, []).append(dm)
            items = []
            for igsid, dms in threads.items():
                dms.sort(key=lambda d: d.at, reverse=True)
                person = acct.people.get(igsid)
                items.append(
                    {
                        "id": f"aWdfZAG06MTpJR01lc3NhZA2VUaHJlYWQ6{igsid}",
                        "updated_time": iso(dms[0].at),
                        "participants": {
                            "data": [
                                {"username": person.username if person else "", "id": igsid},
                                {"username": acct.username, "id": acct.account_id},
                            ]
                        },
                        "messages": {
                            "data": [
                                {
                                    "id": d.mid,
                                    "message": d.text,
                                    "created_time": iso(d.at),
                                    "from": (
                                        {"username": acct.username, "id": acct.account_id}
                                        if d.from_us
                                        else {
                                            "username": person.username if person else "",
                                            "id": igsid,
                                        }
                                    ),
                                }
                                for d in dms[:25]
                            ]
                        },
                    }
                )
        items.sort(key=lambda t: t["updated_time"], reverse=True)
        return self._page(items, params)

    def _reply_to_mention(self, params: dict) -> dict:
        acct = self.account
        media = acct.media.get(params["media_id"])
        if media is None:
            raise not_found(params["media_id"])
        text = params["message"]
        with acct.lock:
            new_id = acct.new_id()
        acct.record(
            "mention_reply",
            media_id=media.id,
            comment_id=params.get("comment_id", ""),
            text=text,
            id=new_id,
        )
        return {"id": new_id}

    def _send(self, params: dict) -> dict:
        acct = self.account
        recipient = params.get("recipient") or {}
        if isinstance(recipient, str):
            recipient = json.loads(recipient)
        text = (params.get("message") or {}).get("text") or ""
        if not text:
            raise GraphError(400, 100, "(#100) The parameter message is required")
        now = time.time()
        if "comment_id" in recipient:
            comment_id = str(recipient["comment_id"])
            comment = self._own_comment(comment_id)
            if comment_id in acct.private_replied:
                raise GraphError(400, 10900, "Activity already replied to")
            if now - comment.at > 7 * DAY:
                raise GraphError(400, 10903, "This activity can't be replied to")
            dm = acct.send(igsid=comment.author.igsid, text=text, private_reply_to=comment_id)
            return {"recipient_id": comment.author.igsid, "message_id": dm.mid}
        igsid = str(recipient.get("id") or "")
        if igsid not in acct.people:
            raise GraphError(400, 100, "(#100) No matching user found", subcode=2018001)
        last = acct.last_inbound.get(igsid)
        tag = params.get("tag", "") if params.get("messaging_type") == "MESSAGE_TAG" else ""
        allowed = last is not None and (
            now - last <= DAY or (tag == "HUMAN_AGENT" and now - last <= 7 * DAY)
        )
        if not allowed:
            raise GraphError(
                400, 10, "(#10) This message is sent outside of allowed window.", subcode=2018278
            )
        dm = acct.send(igsid=igsid, text=text, tag=tag)
        return {"recipient_id": igsid, "message_id": dm.mid}

    # ---- control ---------------------------------------------------------------------------
    def control(self, method: str, path: str, data: dict) -> Any:
        acct = self.account
        name = path.removeprefix("/_standin/").strip("/")
        if method == "GET" and name == "posted":
            return {"posted": acct.posted}
        if method == "GET" and name == "state":
            return {
                "media": len(acct.media),
                "comments": len(acct.comments),
                "dms": len(acct.dms),
                "pending_webhooks": self.webhooks.pending,
                "faults": self.faults,
            }
        if method != "POST":
            raise GraphError(404, 100, f"no control endpoint {name}")
        actions = {
            "media": lambda: {"id": acct.add_media(data["caption"]).id},
            "comments": lambda: {
                "id": acct.add_comment(
                    text=data["text"],
                    username=data.get("username", ""),
                    igsid=data.get("igsid", ""),
                    media_id=data.get("media_id", ""),
                    parent_id=data.get("parent_id", ""),
                ).id
            },
            "mentions": lambda: acct.add_mention(
                text=data["text"], username=data["username"], on=data.get("on", "comment")
            ),
            "dms": lambda: {
                "mid": acct.add_dm(
                    text=data["text"],
                    igsid=data.get("igsid", ""),
                    username=data.get("username", ""),
                    name=data.get("name", ""),
                ).mid
            },
            "story_mentions": lambda: {
                "mid": acct.add_story_mention(
                    igsid=data.get("igsid", ""), username=data.get("username", "")
                ).mid
            },
            "story_replies": lambda: {
                "mid": acct.add_story_reply(
                    text=data["text"],
                    igsid=data.get("igsid", ""),
                    username=data.get("username", ""),
                ).mid
            },
            "unsend": lambda: acct.unsend(data["mid"]) or {"success": True},
            "seen": lambda: (
                acct.seen(igsid=data["igsid"], mid=data.get("mid", "")) or {"success": True}
            ),
            "age": lambda: (
                acct.age_thread(data["igsid"], float(data["hours"])) or {"success": True}
            ),
            "faults": lambda: (
                self.inject(
                    data["mode"],
                    count=int(data.get("count", 1)),
                    on=data.get("on", "any"),
                    **{k: v for k, v in data.items() if k not in ("mode", "count", "on")},
                )
                or {"success": True}
            ),
            "token/expire": lambda: self.expire_token() or {"success": True},
            "token/new": lambda: {"access_token": self.new_token()},
            "config": lambda: self._configure(data),
        }
        if name not in actions:
            raise GraphError(404, 100, f"no control endpoint {name}")
        return actions[name]()

    def _configure(self, data: dict) -> dict:
        if "callback_url" in data:
            self.webhooks.callback_url = data["callback_url"]
        if "echo_delay" in data:
            self.account.echo_delay = float(data["echo_delay"])
        return {"callback_url": self.webhooks.callback_url, "echo_delay": self.account.echo_delay}
