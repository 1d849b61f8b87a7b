"""The Facebook Page connector: feed comments, visitor posts and Messenger.

Send API:        https://developers.facebook.com/docs/messenger-platform/reference/send-api
Private replies: https://developers.facebook.com/documentation/business-messaging/messenger-platform/discovery/private-replies
Messaging policy (24 h window, HUMAN_AGENT tag):
                 https://developers.facebook.com/documentation/business-messaging/messenger-platform/policy/
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from inbox import landing
from inbox.connectors import (
    Capability,
    Connector,
    EventToStore,
    IdentityData,
    ParsedItem,
    PollResult,
    RateLimited,
    Rejected,
    Responsiveness,
)
from inbox.http import https_or_empty
from inbox.models import ActionKind, ConversationKind, Direction

from . import context, parse, webhooks, window
from .graph import GraphClient

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

    from inbox.models import Channel, Conversation, InboundEvent, OutboundAction

MESSAGING_WINDOW = window.MESSAGING_WINDOW
HUMAN_AGENT_WINDOW = window.HUMAN_AGENT_WINDOW
PRIVATE_REPLY_WINDOW = timedelta(days=7)
# How far back a poll looks, and how much it reads per run (poll often, read little).
BACKFILL = timedelta(days=7)
POSTS_PER_POLL = 10
COMMENT_FIELDS = "id,message,from,created_time,parent{id},is_hidden"
# The Page feed holds the Page's posts and visitors' posts alike (`visitor_posts` is not
# served to Pages on the New Pages Experience):
# https://developers.facebook.com/docs/graph-api/reference/page/feed/
FEED_FIELDS = "id,message,from,created_time,updated_time,permalink_url,full_picture"


class FacebookConnector(Connector):
    kind = "facebook"
    webhook_slug = "facebook"
    platform = "facebook"
    label = "Facebook Page"
    connect_url_name = "channels_fb:connect"
    # Meta's "Very responsive to messages" badge: over the last 7 days, a response rate of
    # 90 % and a response time of 15 minutes, on private messages; spam, instant replies and
    # away messages do not count (Meta Business Help Centre, "Learn how Facebook Pages get
    # the 'Very responsive to messages' badge"). Wall clock: Meta applies no business hours.
    responsiveness = Responsiveness(
        within=timedelta(minutes=15),
        kinds=frozenset({ConversationKind.DM}),
        name="Very responsive badge",
    )
    capabilities = frozenset(
        {
            Capability.REPLY,
            Capability.PRIVATE_REPLY,
            Capability.DM,
            Capability.LIKE,
            Capability.UNLIKE,
            Capability.HIDE,
            Capability.UNHIDE,
            Capability.DELETE,
        }
    )

    def client(self, channel: Channel) -> GraphClient:
        return GraphClient.for_channel(channel)

    # ---- inbound ----------------------------------------------------------------------------

    def handle_webhook(self, request: HttpRequest) -> HttpResponse | list[EventToStore]:
        return webhooks.handle_webhook(request)

    def parse(self, event: InboundEvent) -> list[ParsedItem]:
        channel = event.channel

        def post_context(post_id: str, fallback: dict) -> dict | None:
            """What is stored about the post; None when only a Graph read can tell."""
            known = context.known_context(channel, post_id)
            if known is not None:
                return known
            if context.is_visitor_post(channel, post_id):
                return {**fallback, "by_visitor": True}
            return None

        return parse.parse_payload(
            event.payload,
            ctx=parse.ParseContext(page_id=channel.external_id, post_context=post_context),
        )

    def fetch_context(self, channel: Channel, conversation: Conversation) -> dict | None:
        post_id = conversation.context_external_id
        if not post_id:
            return None
        post = context.fetch_post_context(
            self.client(channel), post_id, page_id=channel.external_id
        )
        if post.get("by_visitor"):
            context.join_visitor_post(conversation, post_id)
        return post

    def poll(self, channel: Channel) -> PollResult:
        """Recent comments of recent posts, then recently active Messenger threads.

        Each source moves its cursor only once it was read completely; a throttle stops the
        poll where it is and hands back what was read, with `retry_at`.
        """
        client = self.client(channel)
        cursors = dict(channel.cursors)
        events: list[EventToStore] = []
        retry_at = None
        try:
            self._poll_comments(client, channel, cursors, events)
            self._poll_messenger(client, channel, cursors, events)
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
        self, client: GraphClient, channel: Channel, cursors: dict, events: list[EventToStore]
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
            if (
                str((post.get("from") or {}).get("id") or channel.external_id)
                != channel.external_id
            ):
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
        self, client: GraphClient, channel: Channel, cursors: dict, events: list[EventToStore]
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

    # ---- outbound ---------------------------------------------------------------------------

    def perform(self, action: OutboundAction) -> str:
        client = self.client(action.channel)
        kind = action.kind
        if kind == Capability.REPLY:
            body = client.post(
                f"{self._reply_parent(action)}/comments", data={"message": action.message.text}
            )
            return str(body["id"])
        if kind == Capability.PRIVATE_REPLY:
            return self._private_reply(client, action)
        if kind == Capability.DM:
            return self._dm(client, action)
        target = action.target_external_id
        if kind == Capability.LIKE:
            client.post(f"{target}/likes")
        elif kind == Capability.UNLIKE:
            client.delete(f"{target}/likes")
        elif kind in (Capability.HIDE, Capability.UNHIDE):
            client.post(target, data={"is_hidden": "true" if kind == Capability.HIDE else "false"})
        elif kind == Capability.DELETE:
            try:
                client.delete(target)
            except Rejected as exc:
                if exc.code != "100":  # 100: it no longer exists, which is what we wanted
                    raise
        else:
            raise Rejected(f"Facebook Pages cannot do {kind!r}")
        return ""

    def _reply_parent(self, action: OutboundAction) -> str:
        # Every reply in a comment thread goes under its top-level comment (FB threads are
        # two levels deep). A visitor post's thread holds the post and the comments under
        # it: an answer to the post goes under the post, one to a comment under that
        # comment's top-level comment.
        conversation = action.conversation
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

    def _private_reply(self, client: GraphClient, action: OutboundAction) -> str:
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
                "message": {"text": action.message.text, "metadata": _metadata(action)},
            },
        )
        return str(body.get("message_id") or "")

    def _dm(self, client: GraphClient, action: OutboundAction) -> str:
        conversation = action.conversation
        request: dict[str, Any] = {
            "recipient": {"id": conversation.external_thread_id},
            "message": {"text": action.message.text, "metadata": _metadata(action)},
        }
        request.update(
            messaging_type(
                conversation, wants_human_agent=bool(action.payload.get("human_agent_tag"))
            )
        )
        body = client.post(f"{action.channel.external_id}/messages", json=request)
        return str(body.get("message_id") or "")

    def find_landed(self, action: OutboundAction) -> str | None:
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
        client = self.client(action.channel)
        if action.kind == Capability.REPLY:
            return self._find_reply(client, action)
        if action.kind == Capability.PRIVATE_REPLY:
            return self._find_private_reply(client, action)
        if action.kind == Capability.DM:
            return self._find_dm(client, action)
        return None  # likes, hides and deletes are safe to repeat

    def _find_reply(self, client: GraphClient, action: OutboundAction) -> str | None:
        body = client.get(
            f"{self._reply_parent(action)}/comments",
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
                and comment.get("message") == action.message.text
            ],
        )

    def _find_private_reply(self, client: GraphClient, action: OutboundAction) -> str | None:
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

    def _find_dm(self, client: GraphClient, action: OutboundAction) -> str | None:
        body = client.get(
            f"{action.channel.external_id}/conversations",
            params={
                "platform": "messenger",
                "user_id": action.conversation.external_thread_id,
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
                and sent.get("message") == action.message.text
            ],
        )

    # ---- the rest ---------------------------------------------------------------------------

    def window_closes_at(self, conversation: Conversation) -> datetime | None:
        if conversation.kind == "dm":
            if conversation.last_inbound_at is None:
                return None
            return conversation.last_inbound_at + MESSAGING_WINDOW
        if conversation.first_inbound_at is None:
            return None
        return conversation.first_inbound_at + PRIVATE_REPLY_WINDOW

    def human_agent_tag_available(self, conversation) -> bool:
        return window.human_agent_tag_available(conversation)

    def composer_options(self, conversation) -> list:
        return window.composer_options(conversation)

    def action_refusal(self, kind: str, message) -> str:
        # Messenger messages are not Graph objects one can like, hide or delete; the Page
        # likes and hides what others wrote, and deletes comments (its own included).
        if message.conversation.kind == ConversationKind.DM:
            return "Messenger messages cannot be liked, hidden or deleted through the API."
        if kind in (ActionKind.LIKE, ActionKind.HIDE) and message.direction == Direction.OUTBOUND:
            return "The Page does not like or hide its own comments."
        if kind in (ActionKind.HIDE, ActionKind.UNHIDE) and message.external_id == (
            message.conversation.context_external_id
        ):
            return "Hide the post's comments; a visitor post itself is deleted, not hidden."
        return ""

    def permalink(self, channel: Channel, external_id: str) -> str:
        if not external_id or external_id.startswith(("m_", "mid.")):
            return ""  # Messenger messages have no public address
        if external_id.startswith(f"{channel.external_id}_"):
            return parse.post_permalink(external_id)
        return parse.comment_permalink(external_id)

    def fetch_profile(self, channel: Channel, identity_external_id: str) -> IdentityData | None:
        """The User Profile API: name and picture of a Messenger PSID.

        Facebook withholds profiles of commenters who never messaged the Page and of people
        who restrict them: then the name stays empty, never invented, so a name we already
        know is kept and the inbox shows its own readable fallback.
        https://developers.facebook.com/docs/messenger-platform/identity/user-profile
        """
        try:
            body = self.client(channel).get(
                identity_external_id, params={"fields": "first_name,last_name,name,profile_pic"}
            )
        except Rejected:
            return IdentityData(platform=self.platform, external_id=identity_external_id)
        name = body.get("name") or " ".join(
            part for part in (body.get("first_name"), body.get("last_name")) if part
        )
        return IdentityData(
            platform=self.platform,
            external_id=identity_external_id,
            name=str(name or ""),
            avatar_url=https_or_empty(body.get("profile_pic")),
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
