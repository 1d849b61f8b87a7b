"""What agents and rules do on Instagram: reply, private reply, DM, hide, unhide, delete.

Each function performs one action and returns the platform's id of what was posted. Checks
that the platform would refuse anyway (the 24-hour window, one private reply per comment)
are made first, so the agent reads a clear reason instead of an error code.
Private replies: https://developers.facebook.com/documentation/business-messaging/instagram-messaging/features/private-replies
Human agent tag: https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from inbox import landing
from inbox.connectors import InboundItem, ParsedItem, Rejected, Unavailable
from inbox.models import (
    ActionKind,
    ActionState,
    Channel,
    Conversation,
    ConversationKind,
    Message,
    OutboundAction,
)
from inbox.outbox import action_conversation, posted_message
from meta import window

from .client import InstagramClient

# The Messenger Platform's windows apply to Instagram DMs as they do to Messenger.
STANDARD_WINDOW = window.MESSAGING_WINDOW
HUMAN_AGENT_WINDOW = window.HUMAN_AGENT_WINDOW
PRIVATE_REPLY_WINDOW = timedelta(days=7)

NOT_ON_MENTIONS = (
    "Instagram only allows this on comments on your own media; this mention is "
    "on someone else's post."
)


def _fmt(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z")


# ---- the windows ----------------------------------------------------------------------------


def dm_window_closes_at(conversation: Conversation) -> datetime | None:
    last = conversation.last_inbound_at
    return last + STANDARD_WINDOW if last else None


def dm_tag(action: OutboundAction, *, now: datetime | None = None) -> str:
    """ "" inside the 24-hour window, "HUMAN_AGENT" when allowed and asked for, else Rejected."""
    now = now or timezone.now()
    last = action.conversation.last_inbound_at if action.conversation else None
    if last is None:
        raise Rejected(
            "Instagram only lets you message people who wrote to you first.", code="outside_window"
        )
    if now - last <= STANDARD_WINDOW:
        return ""
    closed = f"The 24-hour messaging window closed at {_fmt(last + STANDARD_WINDOW)}."
    if now - last > HUMAN_AGENT_WINDOW:
        raise Rejected(
            f"{closed} The customer last wrote more than 7 days ago, so not even the "
            "HUMAN_AGENT tag allows a message now. Reply publicly or wait for them "
            "to write again.",
            code="outside_window",
        )
    if not settings.META_HUMAN_AGENT_ENABLED:
        raise Rejected(
            f"{closed} Sending later needs the HUMAN_AGENT tag, which is not "
            "enabled for this app (META_HUMAN_AGENT_ENABLED).",
            code="outside_window",
        )
    if not action.payload.get("human_agent_tag"):
        raise Rejected(
            f"{closed} Send it with the HUMAN_AGENT tag (allowed until "
            f"{_fmt(last + HUMAN_AGENT_WINDOW)}) if a person is answering.",
            code="outside_window",
        )
    if action.created_by_id is None:
        raise Rejected(
            "The HUMAN_AGENT tag is only for replies written by a person, not for automatic ones.",
            code="outside_window",
        )
    return "HUMAN_AGENT"


def private_reply_closes_at(target: Message | None) -> datetime | None:
    if target is None or target.platform_timestamp is None:
        return None
    return target.platform_timestamp + PRIVATE_REPLY_WINDOW


# ---- performing -----------------------------------------------------------------------------


def _is_mention(action: OutboundAction) -> bool:
    return bool(action.conversation and action.conversation.kind == ConversationKind.MENTION)


def _mention_media(conversation, target) -> str:
    # The media a mention sits on; mentions stored before their own enrichment key named
    # the media in `context_external_id`.
    return (
        str((target.extra or {}).get("media_id") if target else "")
        or conversation.context_external_id
    )


def reply(action: OutboundAction, client: InstagramClient) -> str:
    conversation = action_conversation(action)
    text = posted_message(action).text
    if _is_mention(action):
        target = action.target
        comment_id = ""
        if target is not None and (target.extra or {}).get("mention") == "comment":
            comment_id = target.external_id or ""
        return client.reply_to_mention(
            media_id=_mention_media(conversation, target), comment_id=comment_id, text=text
        )
    # Instagram threads are two levels deep: every reply goes under the top-level comment.
    return client.reply_to_comment(conversation.external_thread_id, text)


def private_reply(action: OutboundAction, client: InstagramClient) -> str:
    if _is_mention(action):
        raise Rejected(NOT_ON_MENTIONS, code="not_supported")
    comment_id = action.target_external_id
    if not comment_id:
        raise Rejected("There is no comment to answer privately.", code="no_target")
    closes = private_reply_closes_at(action.target)
    if closes and timezone.now() > closes:
        raise Rejected(
            f"A private reply is only possible within 7 days of the comment; that "
            f"time ended {_fmt(closes)}. Reply publicly instead.",
            code="outside_window",
        )
    earlier = OutboundAction.objects.filter(
        channel=action.channel,
        kind=ActionKind.PRIVATE_REPLY,
        target_external_id=comment_id,
        state=ActionState.DONE,
    ).exclude(pk=action.pk)
    if earlier.exists():
        raise Rejected(
            "This comment already has a private reply; Instagram allows only one. "
            "Continue in the DM thread once the customer answers.",
            code="private_reply_refused",
        )
    result = client.send_message(
        recipient={"comment_id": comment_id}, text=posted_message(action).text
    )
    return str(result["message_id"])


def dm(action: OutboundAction, client: InstagramClient) -> str:
    tag = dm_tag(action)
    igsid = action_conversation(action).external_thread_id.removeprefix("dm:")
    result = client.send_message(recipient={"id": igsid}, text=posted_message(action).text, tag=tag)
    return str(result["message_id"])


def _moderate(action: OutboundAction) -> str:
    if _is_mention(action):
        raise Rejected(NOT_ON_MENTIONS, code="not_supported")
    if not action.target_external_id:
        raise Rejected("The comment has no Instagram id yet.", code="no_target")
    return action.target_external_id


def hide(action: OutboundAction, client: InstagramClient) -> str:
    client.set_hidden(_moderate(action), True)
    return ""


def unhide(action: OutboundAction, client: InstagramClient) -> str:
    client.set_hidden(_moderate(action), False)
    return ""


def delete(action: OutboundAction, client: InstagramClient) -> str:
    client.delete_comment(_moderate(action))
    return ""


# Action kind -> performer `(action, client)`.
PERFORMERS: dict[str, Callable[[OutboundAction, InstagramClient], str]] = {
    ActionKind.REPLY: reply,
    ActionKind.PRIVATE_REPLY: private_reply,
    ActionKind.DM: dm,
    ActionKind.HIDE: hide,
    ActionKind.UNHIDE: unhide,
    ActionKind.DELETE: delete,
}


def perform(action: OutboundAction) -> str:
    performer = PERFORMERS.get(ActionKind(action.kind))
    if performer is None:
        raise Rejected(
            f"Instagram cannot {ActionKind(action.kind).label.lower()}.", code="not_supported"
        )
    return performer(action, InstagramClient.for_channel(action.channel))


# ---- did an earlier attempt land? -----------------------------------------------------------


def find_landed(action: OutboundAction) -> str | None:
    """After an ambiguous attempt (a timeout after sending): look for what it posted.

    Public replies are found among the comment's replies, DMs and private replies in the
    DM thread with the person; both by our account and the exact text, posted since this
    action's first attempt and not already another message's (`inbox.landing`). Where Instagram offers no way to look, the action fails with a reason
    instead of risking a second post; moderation actions are simply repeated.
    """
    if action.kind not in (ActionKind.REPLY, ActionKind.PRIVATE_REPLY, ActionKind.DM):
        return None
    client = InstagramClient.for_channel(action.channel)
    text = action.message.text if action.message else ""
    if action.kind == ActionKind.REPLY:
        if _is_mention(action):
            raise Rejected(
                "The earlier attempt timed out and Instagram offers no way to check "
                "whether a reply to a mention landed. Check the post, then retry "
                "by hand if it is missing.",
                code="unknown_outcome",
            )
        replies = client.comment_replies(action_conversation(action).external_thread_id)
        return landing.own_landing(
            action,
            [
                (str(r["id"]), _time(r.get("timestamp")))
                for r in replies
                if _from_us(r, client.account_id, action.channel.handle) and r.get("text") == text
            ],
        )
    igsid = _recipient(action)
    if not igsid:
        raise Rejected(
            "The earlier attempt timed out and the recipient's Instagram id is "
            "unknown, so it cannot be checked; not sending twice. Check the DM "
            "thread, then retry by hand if it is missing.",
            code="unknown_outcome",
        )
    messages = client.conversation_messages(igsid)
    return landing.own_landing(
        action,
        [
            (str(m["id"]), _time(m.get("created_time")))
            for m in messages
            if str((m.get("from") or {}).get("id") or "") == client.account_id
            and m.get("message") == text
        ],
    )


def _recipient(action: OutboundAction) -> str:
    if action.kind == ActionKind.DM:
        return action_conversation(action).external_thread_id.removeprefix("dm:")
    identity = action.target.author_identity if action.target else None
    if identity is None or identity.external_id.startswith("username:"):
        return ""
    return identity.external_id


def _from_us(comment: dict, account_id: str, handle: str) -> bool:
    author = str((comment.get("from") or {}).get("id") or "")
    if author:
        return author == account_id
    return bool(handle) and comment.get("username") == handle


def _time(value) -> datetime | None:
    from .parse import timestamp

    return timestamp(value)


def in_flight_sends(channel) -> bool:
    """Is a send of ours under way, or waiting to retry after an ambiguous attempt?

    Its echo may arrive before we have recorded the id it will carry."""
    return (
        OutboundAction.objects.filter(
            channel=channel,
            kind__in=[ActionKind.REPLY, ActionKind.PRIVATE_REPLY, ActionKind.DM],
        )
        .filter(state__in=[ActionState.SENDING, ActionState.QUEUED], attempts__gte=1)
        .exists()
    )


def hold_unmatched_echoes(channel: Channel, items: list[ParsedItem]) -> None:
    """An echo we cannot match yet, while a send of ours is in flight, is probably that
    send: retry the event once the send has recorded its id, rather than ingest it as a
    message someone sent in the Instagram app."""
    echoes = [i.external_id for i in items if isinstance(i, InboundItem) and i.is_echo]
    if not echoes:
        return
    known = set(
        Message.objects.filter(channel=channel, external_id__in=echoes).values_list(
            "external_id", flat=True
        )
    )
    if set(echoes) - known and in_flight_sends(channel):
        raise Unavailable("echo of a send still in flight; will match it once recorded")
