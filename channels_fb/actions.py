"""Facebook Page actions: one performer per action kind, each `(action, client)`.

Send API:        https://developers.facebook.com/docs/messenger-platform/reference/send-api
Private replies: https://developers.facebook.com/documentation/business-messaging/messenger-platform/discovery/private-replies
Messaging policy (24 h window, HUMAN_AGENT tag):
                 https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
Comments:        https://developers.facebook.com/docs/graph-api/reference/object/comments/
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from inbox import landing
from inbox.connectors import Rejected
from inbox.models import ActionKind
from inbox.outbox import action_conversation, posted_message
from meta.window import HUMAN_AGENT_WINDOW, MESSAGING_WINDOW

from . import parse
from .client import FacebookClient

if TYPE_CHECKING:
    from inbox.models import Conversation, OutboundAction

PRIVATE_REPLY_WINDOW = timedelta(days=7)


def reply(action: OutboundAction, client: FacebookClient) -> str:
    body = client.post(
        f"{_reply_parent(action)}/comments", data={"message": posted_message(action).text}
    )
    return str(body["id"])


def like(action: OutboundAction, client: FacebookClient) -> str:
    client.post(f"{action.target_external_id}/likes")
    return ""


def unlike(action: OutboundAction, client: FacebookClient) -> str:
    client.delete(f"{action.target_external_id}/likes")
    return ""


def hide(action: OutboundAction, client: FacebookClient) -> str:
    client.post(action.target_external_id, data={"is_hidden": "true"})
    return ""


def unhide(action: OutboundAction, client: FacebookClient) -> str:
    client.post(action.target_external_id, data={"is_hidden": "false"})
    return ""


def delete(action: OutboundAction, client: FacebookClient) -> str:
    try:
        client.delete(action.target_external_id)
    except Rejected as exc:
        if exc.code != "100":  # 100: it no longer exists, which is what we wanted
            raise
    return ""


def perform(action: OutboundAction) -> str:
    """Do the action on the platform; the external id of what was posted, or ""."""
    performer = PERFORMERS.get(str(action.kind))
    if performer is None:
        raise Rejected(f"Facebook Pages cannot do {action.kind!r}")
    return performer(action, FacebookClient.for_channel(action.channel))


def _reply_parent(action: OutboundAction) -> str:
    # Every reply in a comment thread goes under its top-level comment (FB threads are
    # two levels deep). A visitor post's thread holds the post and the comments under
    # it: an answer to the post goes under the post, one to a comment under that
    # comment's top-level comment.
    conversation = action_conversation(action)
    target = action.target
    if (
        conversation.kind == "post"
        and target is not None
        and target.external_id
        and target.external_id != conversation.external_thread_id
    ):
        if (
            target.parent_external_id
            and target.parent_external_id != conversation.external_thread_id
        ):
            return target.parent_external_id
        return target.external_id
    return conversation.external_thread_id


def private_reply(action: OutboundAction, client: FacebookClient) -> str:
    from inbox.models import ActionState, OutboundAction

    target = action.target
    comment_id = action.target_external_id
    if not comment_id:
        raise Rejected("There is no comment to answer privately.")
    if (
        target is not None
        and target.platform_timestamp
        and (timezone.now() - target.platform_timestamp > PRIVATE_REPLY_WINDOW)
    ):
        raise Rejected(
            "A private reply is only possible within 7 days of the comment; "
            "this one is older. Reply publicly instead.",
            code="private_reply_window",
        )
    if (
        OutboundAction.objects.filter(
            channel=action.channel,
            kind=action.kind,
            target_external_id=comment_id,
            state=ActionState.DONE,
        )
        .exclude(pk=action.pk)
        .exists()
    ):
        raise Rejected(
            "This comment already has a private reply; Facebook allows one. "
            "Continue in Messenger once the person answers.",
            code="private_reply_used",
        )
    is_post = action.conversation and action.conversation.kind == "post"
    recipient = {"post_id" if is_post else "comment_id": comment_id}
    body = client.post(
        f"{action.channel.external_id}/messages",
        json={
            "recipient": recipient,
            "message": {"text": posted_message(action).text, "metadata": _metadata(action)},
        },
    )
    return str(body.get("message_id") or "")


def dm(action: OutboundAction, client: FacebookClient) -> str:
    conversation = action_conversation(action)
    request: dict[str, Any] = {
        "recipient": {"id": conversation.external_thread_id},
        "message": {"text": posted_message(action).text, "metadata": _metadata(action)},
    }
    request.update(
        messaging_type(conversation, wants_human_agent=bool(action.payload.get("human_agent_tag")))
    )
    body = client.post(f"{action.channel.external_id}/messages", json=request)
    return str(body.get("message_id") or "")


def find_landed(action: OutboundAction) -> str | None:
    """Was an earlier, ambiguous attempt of *this* action posted? Look before posting again.

    Messenger sends carry `metadata` naming the action, which Facebook gives back only
    in the message echo (https://developers.facebook.com/documentation/business-messaging/
    messenger-platform/webhooks/webhook-events/message-echoes): once that echo is
    ingested the message has its id. Otherwise our account's posts with the same text
    are listed and `inbox.landing` keeps only one posted since this action's first
    attempt whose id no other message holds: an identical earlier reply is not ours.
    """
    message = action.message
    if message is not None and message.external_id:
        return message.external_id  # its echo arrived and was matched already
    client = FacebookClient.for_channel(action.channel)
    if action.kind == ActionKind.REPLY:
        return _find_reply(action, client)
    if action.kind == ActionKind.PRIVATE_REPLY:
        return _find_private_reply(action, client)
    if action.kind == ActionKind.DM:
        return _find_dm(action, client)
    return None  # likes, hides and deletes are safe to repeat


def _find_reply(action: OutboundAction, client: FacebookClient) -> str | None:
    body = client.get(
        f"{_reply_parent(action)}/comments",
        params={
            "filter": "stream",
            "order": "reverse_chronological",
            "fields": "id,message,from,created_time",
            "limit": 100,
        },
    )
    return landing.own_landing(
        action,
        [
            (str(comment["id"]), parse.from_iso(comment["created_time"]))
            for comment in body.get("data") or []
            if str((comment.get("from") or {}).get("id")) == action.channel.external_id
            and comment.get("message") == posted_message(action).text
        ],
    )


def _find_private_reply(action: OutboundAction, client: FacebookClient) -> str | None:
    from inbox.models import ActionState, OutboundAction

    # One-shot: never re-send when Facebook says this comment cannot take another,
    # unless another private reply of ours explains that (then ours did not land, and
    # sending again is refused with the reason). The echo gives the message its id.
    comment = client.get(action.target_external_id, params={"fields": "id,can_reply_privately"})
    if comment.get("can_reply_privately") is not False:
        return None
    used_by_another = (
        OutboundAction.objects.filter(
            channel=action.channel,
            kind=action.kind,
            target_external_id=action.target_external_id,
            state=ActionState.DONE,
        )
        .exclude(pk=action.pk)
        .exists()
    )
    return None if used_by_another else ""


def _find_dm(action: OutboundAction, client: FacebookClient) -> str | None:
    body = client.get(
        f"{action.channel.external_id}/conversations",
        params={
            "platform": "messenger",
            "user_id": action_conversation(action).external_thread_id,
            "fields": "messages.limit(25){id,message,from,created_time}",
        },
    )
    return landing.own_landing(
        action,
        [
            (str(sent["id"]), parse.from_iso(sent["created_time"]))
            for thread in body.get("data") or []
            for sent in (thread.get("messages") or {}).get("data") or []
            if str((sent.get("from") or {}).get("id")) == action.channel.external_id
            and sent.get("message") == posted_message(action).text
        ],
    )


def messaging_type(
    conversation: Conversation, *, wants_human_agent: bool, now: datetime | None = None
) -> dict[str, str]:
    """RESPONSE inside 24 h; HUMAN_AGENT up to 7 days when enabled and asked; else Rejected."""
    now = now or timezone.now()
    last = conversation.last_inbound_at
    if last is None:
        raise Rejected(
            "The customer has not written to the Page yet, so Messenger does not "
            "allow a message. Reply to their comment privately instead.",
            code="no_window",
        )
    if now - last <= MESSAGING_WINDOW:
        return {"messaging_type": "RESPONSE"}
    if now - last <= HUMAN_AGENT_WINDOW:
        if wants_human_agent and settings.META_HUMAN_AGENT_ENABLED:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        if wants_human_agent:
            raise Rejected(
                "The 24-hour messaging window has closed and the HUMAN_AGENT tag "
                "is not enabled for this app (it needs Meta's approval).",
                code="outside_window",
            )
        raise Rejected(
            "The 24-hour messaging window has closed. A person can still answer "
            "within 7 days by sending with the HUMAN_AGENT tag.",
            code="outside_window",
        )
    raise Rejected(
        "The customer last wrote more than 7 days ago; Messenger allows no reply "
        "until they write again.",
        code="outside_window",
    )


def _metadata(action: OutboundAction) -> str:
    return f"{parse.METADATA_PREFIX}{action.pk}"


# Action kind -> performer `(action, client)`.
PERFORMERS: dict[str, Callable[[OutboundAction, FacebookClient], str]] = {
    ActionKind.REPLY: reply,
    ActionKind.PRIVATE_REPLY: private_reply,
    ActionKind.DM: dm,
    ActionKind.LIKE: like,
    ActionKind.UNLIKE: unlike,
    ActionKind.HIDE: hide,
    ActionKind.UNHIDE: unhide,
    ActionKind.DELETE: delete,
}
