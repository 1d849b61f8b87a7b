"""What agents and rules do on X: reply, DM, like, hide, delete; and finding a landed post.

Each action maps X's refusals to a `Rejected` an agent can act on. Posting is never
retried blindly: `find_landed` looks for the earlier attempt first.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from inbox import landing
from inbox.connectors import Rejected
from inbox.models import ActionKind, ConversationKind, Direction, OutboundAction
from inbox.outbox import posted_message

from .client import XClient, for_channel
from .parse import dm_conversation_id


def _target_id(action: OutboundAction) -> str:
    target = action.target_external_id or (action.target.external_id if action.target else "")
    if not target and action.conversation and action.conversation.kind != "dm":
        target = action.conversation.external_thread_id
    if not target:
        raise Rejected("there is no tweet to act on")
    return target


def _participant(action: OutboundAction) -> str:
    """The customer a DM goes to: the target's author, else the other side of the thread."""
    brand = action.channel.external_id
    target = action.target
    if (
        target is not None
        and target.direction == Direction.INBOUND
        and target.author_identity is not None
    ):
        return target.author_identity.external_id
    conversation = action.conversation
    if conversation is not None and conversation.kind == "dm":
        others = [p for p in conversation.external_thread_id.split("-") if p != brand]
        if others:
            return others[0]
    if conversation is not None and conversation.contact is not None:
        identity = conversation.contact.identities.filter(platform="x").first()
        if identity:
            return identity.external_id
    raise Rejected("cannot tell whom to send this Direct Message to")


def reply(action: OutboundAction, client: XClient) -> str:
    return client.create_tweet(posted_message(action).text, in_reply_to=_target_id(action))["id"]


def direct_message(action: OutboundAction, client: XClient) -> str:
    participant = _participant(action)
    try:
        data = client.send_dm(participant, posted_message(action).text)
    except Rejected as exc:
        if exc.code == "403":
            raise Rejected(
                "X refused the Direct Message: this person's privacy settings do not accept "
                "DMs from this account (they may need to follow it first). Answer publicly "
                "instead.",
                code="dm_refused",
            ) from exc
        raise
    return data["dm_event_id"]


def _like(value: bool) -> Callable[[OutboundAction, XClient], str]:
    def act(action: OutboundAction, client: XClient) -> str:
        if value:
            client.like(action.channel.external_id, _target_id(action))
        else:
            client.unlike(action.channel.external_id, _target_id(action))
        return ""

    return act


def _hide(value: bool) -> Callable[[OutboundAction, XClient], str]:
    def act(action: OutboundAction, client: XClient) -> str:
        target = _target_id(action)
        if action.conversation and target == action.conversation.external_thread_id:
            raise Rejected(
                "only replies can be hidden on X, not the post that starts a conversation"
            )
        try:
            client.hide_reply(target, value)
        except Rejected as exc:
            if exc.code == "403":
                raise Rejected(
                    "X lets you hide replies only in conversations your account started",
                    code="not_our_conversation",
                ) from exc
            raise
        return ""

    return act


def delete(action: OutboundAction, client: XClient) -> str:
    if action.target is not None and action.target.direction != Direction.OUTBOUND:
        raise Rejected("X only lets you delete your own posts; hide the reply instead")
    try:
        client.delete_tweet(_target_id(action))
    except Rejected as exc:
        if exc.code != "404":
            raise  # a 404 means it is gone already, which is what we wanted
    return ""


PERFORMERS: dict[str, Callable[[OutboundAction, XClient], str]] = {
    ActionKind.REPLY: reply,
    ActionKind.DM: direct_message,
    ActionKind.LIKE: _like(True),
    ActionKind.UNLIKE: _like(False),
    ActionKind.HIDE: _hide(True),
    ActionKind.UNHIDE: _hide(False),
    ActionKind.DELETE: delete,
}


def perform(action: OutboundAction) -> str:
    performer = PERFORMERS.get(action.kind)
    if performer is None:
        raise Rejected(f"X cannot {action.get_kind_display().lower()}")
    return performer(action, for_channel(action.channel))


def refusal(kind: str, message) -> str:
    """Why X will not let us do `kind` to this message ("" if it will); no query."""
    if message.conversation.kind == ConversationKind.DM:
        return "X direct messages cannot be liked, hidden or deleted through the API."
    if kind in (ActionKind.HIDE, ActionKind.UNHIDE) and (
        message.external_id == message.conversation.external_thread_id
        or message.direction == Direction.OUTBOUND
    ):
        # https://docs.x.com/x-api/posts/hide-replies/introduction
        return "X hides only replies to a conversation we started, not its first post."
    if kind == ActionKind.DELETE and message.direction != Direction.OUTBOUND:
        return "X lets us delete only our own posts; hide the reply instead."
    if kind in (ActionKind.LIKE, ActionKind.UNLIKE) and message.direction == (Direction.OUTBOUND):
        return "We do not like our own posts."
    return ""


_URL = re.compile(r"https?://\S+")


def _same_text(a: str, b: str) -> bool:
    """X rewrites links to t.co, so texts are compared with their links blanked."""

    def norm(s: str) -> str:
        return " ".join(_URL.sub("URL", s or "").split())

    return norm(a) == norm(b)


def find_landed(action: OutboundAction) -> str | None:
    """Our earlier attempt of *this* action, if X has it: a reply to the same tweet, or a DM,
    with our text, posted since the action's first attempt and not already another message
    (X echoes no marker of ours; `inbox.landing` tells an identical earlier post apart)."""
    brand = action.channel.external_id
    client = for_channel(action.channel)
    if action.kind == ActionKind.REPLY and action.message is not None:
        target = _target_id(action)
        return landing.own_landing(
            action,
            [
                (tweet["id"], _time(tweet.get("created_at")))
                for tweet in client.user_tweets(brand).get("data") or []
                if target
                in {
                    r["id"]
                    for r in tweet.get("referenced_tweets", [])
                    if r.get("type") == "replied_to"
                }
                and _same_text(tweet.get("text", ""), action.message.text)
            ],
        )
    if action.kind == ActionKind.DM and action.message is not None:
        thread = dm_conversation_id(brand, _participant(action))
        return landing.own_landing(
            action,
            [
                (event["id"], _time(event.get("created_at")))
                for event in client.dm_events().get("data") or []
                if event.get("sender_id") == brand
                and event.get("dm_conversation_id") == thread
                and _same_text(event.get("text", ""), action.message.text)
            ],
        )
    return None  # likes, hides and deletes are idempotent: doing them again is harmless


def _time(value) -> datetime | None:
    """X's ISO 8601 time ("2026-03-02T10:15:00.000Z"), or None when absent or unreadable."""
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at
