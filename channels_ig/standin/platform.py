"""The state of a stand-in Instagram professional account, and what customers do to it.

Customer actions (comment, mention, DM, story mention/reply, unsend, seen) change the state
and queue the webhook Meta would send. What the app posts through the Graph API is recorded
in `posted`, so a test or the demo can see what "Instagram" received.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from meta.standin.delivery import Deliverer

DAY = 86400


def iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


@dataclass
class Person:
    igsid: str
    username: str
    name: str = ""
    follower_count: int = 0
    consented: bool = False  # has messaged the account: the profile API answers for them


@dataclass
class Comment:
    id: str
    media_id: str
    author: Person
    text: str
    at: float
    parent_id: str = ""
    hidden: bool = False
    deleted: bool = False
    replies: list[str] = field(default_factory=list)

    def graph(self) -> dict[str, Any]:
        data = {
            "id": self.id,
            "text": self.text,
            "timestamp": iso(self.at),
            "username": self.author.username,
            "hidden": self.hidden,
            "from": {"id": self.author.igsid, "username": self.author.username},
            "like_count": 0,
        }
        if self.parent_id:
            data["parent_id"] = self.parent_id
        return data


@dataclass
class Media:
    id: str
    caption: str
    at: float
    permalink: str
    owner: str  # the account id, or a customer's username (mentions)
    media_type: str = "IMAGE"
    comments: list[str] = field(default_factory=list)

    @property
    def media_url(self) -> str:
        return f"https://scontent.cdninstagram.com/v/t51.2885-15/{self.id}_n.jpg"


@dataclass
class DirectMessage:
    mid: str
    igsid: str  # the customer side of the thread
    from_us: bool
    text: str
    at: float
    attachments: list[dict] = field(default_factory=list)
    deleted: bool = False


class InstagramAccount:
    """One professional account with its media, comments, DM threads and customers."""

    def __init__(
        self,
        *,
        account_id: str,
        username: str,
        page_id: str,
        access_token: str,
        webhooks: Deliverer,
        echo_delay: float = 0.3,
        app_id: str = "",
    ) -> None:
        self.account_id = account_id
        self.username = username
        self.page_id = page_id
        self.app_id = app_id
        self.tokens = {access_token}
        self.webhooks = webhooks
        self.echo_delay = echo_delay
        self.lock = threading.RLock()
        self.media: dict[str, Media] = {}
        self.comments: dict[str, Comment] = {}
        self.people: dict[str, Person] = {}
        self.dms: dict[str, DirectMessage] = {}
        self.last_inbound: dict[str, float] = {}
        self.private_replied: set[str] = set()
        self.posted: list[dict[str, Any]] = []
        self._ids = itertools.count(int(time.time()) % 10_000_000 * 1000)
        self._me = Person(igsid=account_id, username=username, name=username)

    # -- ids --
    def new_id(self, prefix: str = "179") -> str:
        return f"{prefix}{next(self._ids):014d}"

    def new_mid(self) -> str:
        return f"aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOj{next(self._ids)}ZDZD"

    def person(self, igsid: str = "", username: str = "", name: str = "") -> Person:
        with self.lock:
            if not igsid and username:
                igsid = next((p.igsid for p in self.people.values() if p.username == username), "")
            igsid = igsid or self.new_id("6")
            found = self.people.get(igsid)
            if found is None:
                found = self.people[igsid] = Person(igsid, username or f"user{igsid[-4:]}", name)
            return found

    # -- webhook entries --
    def _change(self, field_name: str, value: dict, *, delay: float = 0.0) -> None:
        self.webhooks.add(
            {
                "id": self.account_id,
                "time": int(time.time()),
                "changes": [{"field": field_name, "value": value}],
            },
            group="changes",
            delay=delay,
        )

    def _messaging(self, item: dict, *, delay: float = 0.0) -> None:
        self.webhooks.add(
            {"id": self.account_id, "time": int(time.time() * 1000), "messaging": [item]},
            group="messaging",
            delay=delay,
        )

    def _comment_webhook(self, comment: Comment, *, delay: float = 0.0) -> None:
        value = {
            "from": {"id": comment.author.igsid, "username": comment.author.username},
            "media": {"id": comment.media_id, "media_product_type": "FEED"},
            "id": comment.id,
            "text": comment.text,
        }
        if comment.parent_id:
            value["parent_id"] = comment.parent_id
        self._change("comments", value, delay=delay)

    # -- what customers do --
    def add_media(self, caption: str, *, media_id: str = "", at: float | None = None) -> Media:
        with self.lock:
            media_id = media_id or self.new_id("180")
            media = Media(
                media_id,
                caption,
                at or time.time(),
                f"https://www.instagram.com/p/{media_id[-11:]}/",
                self.account_id,
            )
            self.media[media_id] = media
            return media

    def latest_media(self) -> Media:
        with self.lock:
            if not self.media:
                return self.add_media("Aurora jacket is back 🧥 #polariscare")
            return max(self.media.values(), key=lambda m: m.at)

    def add_comment(
        self,
        *,
        text: str,
        username: str = "",
        igsid: str = "",
        media_id: str = "",
        parent_id: str = "",
        at: float | None = None,
        webhook: bool = True,
    ) -> Comment:
        with self.lock:
            author = self.person(igsid, username)
            if parent_id:
                parent = self.comments[parent_id]
                parent_id = parent.parent_id or parent.id  # two levels deep
                media_id = parent.media_id
            media = self.media[media_id] if media_id else self.latest_media()
            comment = Comment(
                self.new_id(), media.id, author, text, at or time.time(), parent_id=parent_id
            )
            self.comments[comment.id] = comment
            if parent_id:
                self.comments[parent_id].replies.append(comment.id)
            else:
                media.comments.append(comment.id)
        if webhook:
            self._comment_webhook(comment)
        return comment

    def add_foreign_media(
        self, *, username: str, caption: str = "", media_id: str = "", at: float | None = None
    ) -> Media:
        """Media on someone else's account (where mentions of us happen)."""
        with self.lock:
            self.person("", username)
            media_id = media_id or self.new_id("179")
            media = Media(
                media_id,
                caption,
                at or time.time(),
                f"https://www.instagram.com/p/{media_id[-11:]}/",
                owner=username,
            )
            self.media[media_id] = media
            return media

    def add_foreign_comment(
        self,
        *,
        media_id: str,
        username: str,
        text: str,
        comment_id: str = "",
        at: float | None = None,
    ) -> Comment:
        with self.lock:
            author = self.person("", username)
            comment = Comment(
                comment_id or self.new_id(), media_id, author, text, at or time.time()
            )
            self.comments[comment.id] = comment
            self.media[media_id].comments.append(comment.id)
            return comment

    def add_mention(
        self, *, text: str, username: str, on: str = "comment", at: float | None = None
    ) -> dict:
        """Someone mentions the account in a comment or a caption on their own media."""
        if on == "caption":
            media = self.add_foreign_media(username=username, caption=text, at=at)
            value = {"media_id": media.id}
        else:
            media = self.add_foreign_media(username=username, at=at)
            comment = self.add_foreign_comment(
                media_id=media.id, username=username, text=text, at=at
            )
            value = {"media_id": media.id, "comment_id": comment.id}
        self._change("mentions", value)
        return value

    def _inbound(
        self,
        igsid: str,
        message: dict,
        *,
        username: str = "",
        name: str = "",
        at: float | None = None,
    ) -> DirectMessage:
        with self.lock:
            person = self.person(igsid, username, name)
            person.consented = True
            at = at or time.time()
            mid = self.new_mid()
            dm = DirectMessage(
                mid,
                person.igsid,
                False,
                message.get("text", ""),
                at,
                message.get("attachments", []),
            )
            self.dms[mid] = dm
            self.last_inbound[person.igsid] = max(self.last_inbound.get(person.igsid, 0), at)
        self._messaging(
            {
                "sender": {"id": person.igsid},
                "recipient": {"id": self.account_id},
                "timestamp": int(at * 1000),
                "message": {"mid": mid, **message},
            }
        )
        return dm

    def add_dm(
        self,
        *,
        text: str,
        igsid: str = "",
        username: str = "",
        name: str = "",
        reply_to_mid: str = "",
    ) -> DirectMessage:
        message: dict[str, Any] = {"text": text}
        if reply_to_mid:
            message["reply_to"] = {"mid": reply_to_mid}
        return self._inbound(igsid, message, username=username, name=name)

    def add_story_mention(self, *, igsid: str = "", username: str = "") -> DirectMessage:
        asset = self.new_id("18")
        url = f"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={asset}&signature=standin"
        return self._inbound(
            igsid,
            {"attachments": [{"type": "story_mention", "payload": {"url": url}}]},
            username=username,
        )

    def add_story_reply(self, *, text: str, igsid: str = "", username: str = "") -> DirectMessage:
        story = self.new_id("18")
        url = f"https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id={story}&signature=standin"
        return self._inbound(
            igsid,
            {"text": text, "reply_to": {"story": {"id": story, "url": url}}},
            username=username,
        )

    def unsend(self, mid: str) -> None:
        with self.lock:
            dm = self.dms[mid]
            dm.deleted = True
        self._messaging(
            {
                "sender": {"id": dm.igsid},
                "recipient": {"id": self.account_id},
                "timestamp": int(time.time() * 1000),
                "message": {"mid": mid, "is_deleted": True},
            }
        )

    def seen(self, *, igsid: str, mid: str = "") -> None:
        with self.lock:
            if not mid:
                ours = [d for d in self.dms.values() if d.igsid == igsid and d.from_us]
                mid = max(ours, key=lambda d: d.at).mid if ours else ""
        self._messaging(
            {
                "sender": {"id": igsid},
                "recipient": {"id": self.account_id},
                "timestamp": int(time.time() * 1000),
                "read": {"mid": mid},
            }
        )

    def age_thread(self, igsid: str, hours: float) -> None:
        """Pretend the customer last wrote `hours` ago (to try the 24-hour window)."""
        with self.lock:
            self.last_inbound[igsid] = time.time() - hours * 3600

    def age_comment(self, comment_id: str, days: float) -> None:
        with self.lock:
            self.comments[comment_id].at = time.time() - days * DAY

    # -- what the app does (called by the Graph routes; errors are raised by them) --
    def record(self, kind: str, **data: Any) -> dict:
        entry = {"kind": kind, "at": time.time(), **data}
        with self.lock:
            self.posted.append(entry)
        return entry

    def reply(self, comment_id: str, text: str) -> Comment:
        with self.lock:
            parent = self.comments[comment_id]
            top = parent.parent_id or parent.id
            comment = Comment(
                self.new_id(), parent.media_id, self._me, text, time.time(), parent_id=top
            )
            self.comments[comment.id] = comment
            self.comments[top].replies.append(comment.id)
        self.record("reply", target=comment_id, parent=top, text=text, id=comment.id)
        # Our own replies come back through the comments field, like anyone's.
        self._comment_webhook(comment, delay=self.echo_delay)
        return comment

    def send(
        self, *, igsid: str, text: str, private_reply_to: str = "", tag: str = ""
    ) -> DirectMessage:
        with self.lock:
            mid = self.new_mid()
            dm = DirectMessage(mid, igsid, True, text, time.time())
            self.dms[mid] = dm
            if private_reply_to:
                self.private_replied.add(private_reply_to)
        self.record(
            "private_reply" if private_reply_to else "dm",
            recipient=igsid,
            comment_id=private_reply_to,
            text=text,
            id=mid,
            tag=tag,
        )
        message = {"mid": mid, "text": text, "is_echo": True}
        if self.app_id:
            message["app_id"] = self.app_id
        self._messaging(
            {
                "sender": {"id": self.account_id},
                "recipient": {"id": igsid},
                "timestamp": int(dm.at * 1000),
                "message": message,
            },
            delay=self.echo_delay,
        )
        return dm

    def posted_of(self, kind: str) -> list[dict]:
        with self.lock:
            return [p for p in self.posted if p["kind"] == kind]
