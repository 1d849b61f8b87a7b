"""Storm detection: a post whose comments suddenly pour in, or turn angry.

Every minute (reports.tasks.detect_storms), over the comments of the last WINDOW:
- rate: at least MIN_COMMENTS, and at least RATE_FACTOR times the post's usual rate (its
  comments over the BASELINE before the window, per window, counted as at least one, so a
  quiet or brand-new post needs MIN_COMMENTS). A post younger than the BASELINE has no usual
  rate over it: its comments are spread over its own age (since its first comment), at least
  MIN_AGE, so that ten comments in a post's first twenty minutes are its usual, not a lull;
- anger: at least MIN_ANGRY complaints or insults (the classifier's intent), making up
  ANGRY_SHARE of the window and ANGRY_JUMP more than the post's usual share.
A storm opens once per post (a partial unique constraint), is announced once to the Slack or
webhook URL in the settings, and ends after QUIET without either sign. Three queries a run,
and one more per storm that opens or ends (to refresh the inbox's "Storming" folder).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone

from inbox import live
from inbox.models import Conversation, ConversationKind, ConversationState, Direction, Message

from .models import Storm

log = logging.getLogger("switchboard.reports.storms")

WINDOW = timedelta(minutes=10)
BASELINE = timedelta(hours=24)
QUIET = timedelta(minutes=30)
MIN_COMMENTS = 20
RATE_FACTOR = 5
MIN_ANGRY = 8
ANGRY_SHARE = 0.5
ANGRY_JUMP = 0.3
ANGRY_INTENTS = ("complaint", "insult")
MIN_AGE = timedelta(hours=1)
# Conversations under a post: comments on Facebook and Instagram, replies and mentions on X,
# and a visitor's post on a Facebook Page, whose comments all continue its conversation
# (channels_fb/parse.py).
THREAD_KINDS = (ConversationKind.COMMENT, ConversationKind.MENTION, ConversationKind.POST)


@dataclass
class PostWindow:
    channel_id: int
    context_external_id: str
    comments: int = 0
    angry: int = 0
    usual_comments: float = 0.0  # per window
    usual_angry_share: float = 0.0

    @property
    def angry_share(self) -> float:
        return self.angry / self.comments if self.comments else 0.0

    def reason(self) -> str:
        """Why this window is a storm, or "" when it is not."""
        if self.comments >= max(MIN_COMMENTS, RATE_FACTOR * max(self.usual_comments, 1)):
            return (
                f"{self.comments} comments in {WINDOW.seconds // 60} minutes "
                f"(usually {self.usual_comments:.1f})"
            )
        if (
            self.angry >= MIN_ANGRY
            and self.angry_share >= ANGRY_SHARE
            and self.angry_share >= self.usual_angry_share + ANGRY_JUMP
        ):
            return (
                f"{self.angry} of {self.comments} comments in {WINDOW.seconds // 60} "
                f"minutes are complaints or insults"
            )
        return ""


def _comments(since: datetime, until: datetime, posts=None):
    """Customer comments per post between the two times, with how many are angry."""
    qs = Message.objects.filter(
        direction=Direction.INBOUND,
        platform_timestamp__gte=since,
        platform_timestamp__lt=until,
        conversation__kind__in=THREAD_KINDS,
        conversation__is_spam=False,
    ).exclude(conversation__context_external_id="")
    if posts is not None:
        qs = qs.filter(conversation__context_external_id__in={p[1] for p in posts})
    return (
        qs.values("channel_id", "conversation__context_external_id")
        .annotate(
            n=Count("id"),
            angry=Count("id", filter=Q(conversation__intent__in=ANGRY_INTENTS)),
            first=Min("platform_timestamp"),
        )
        .order_by()
    )


def windows(now: datetime) -> list[PostWindow]:
    """The last window of every post that had comments in it, with its usual figures."""
    found = {}
    for g in _comments(now - WINDOW, now):
        key = (g["channel_id"], g["conversation__context_external_id"])
        found[key] = PostWindow(*key, comments=g["n"], angry=g["angry"])
    if found:
        baseline_end = now - WINDOW
        for g in _comments(baseline_end - BASELINE, baseline_end, posts=found):
            key = (g["channel_id"], g["conversation__context_external_id"])
            if key in found:
                age = min(max(baseline_end - g["first"], MIN_AGE), BASELINE)
                found[key].usual_comments = g["n"] / (age / WINDOW)
                found[key].usual_angry_share = g["angry"] / g["n"]
    return list(found.values())


def detect(now: datetime | None = None) -> list[Storm]:
    """Open, extend and end storms; returns the storms opened by this run."""
    now = now or timezone.now()
    open_storms = {
        (s.channel_id, s.context_external_id): s for s in Storm.objects.filter(ended_at=None)
    }
    opened, seen = [], set()
    for window in windows(now):
        reason = window.reason()
        if not reason:
            continue
        key = (window.channel_id, window.context_external_id)
        seen.add(key)
        storm = open_storms.get(key)
        if storm is not None:
            Storm.objects.filter(pk=storm.pk).update(
                last_seen_at=now,
                peak_comments=max(storm.peak_comments, window.comments),
                angry_share=window.angry_share,
            )
            continue
        try:
            with transaction.atomic():
                storm = Storm.objects.create(
                    channel_id=window.channel_id,
                    context_external_id=window.context_external_id,
                    reason=reason,
                    started_at=now,
                    last_seen_at=now,
                    peak_comments=window.comments,
                    usual_comments=window.usual_comments,
                    angry_share=window.angry_share,
                )
                transaction.on_commit(functools.partial(_announce, storm))
        except IntegrityError:
            continue  # another run opened it a moment ago, and announces it
        opened.append(storm)
    ending = [
        s for key, s in open_storms.items() if s.last_seen_at < now - QUIET and key not in seen
    ]
    if ending:
        Storm.objects.filter(pk__in=[s.pk for s in ending], ended_at=None).update(ended_at=now)
    for storm in opened + ending:
        _refresh_inboxes(storm)
    return opened


# Enough to refresh the folder counts and the rows an agent is looking at; a longer storm
# list is read afresh when the agent opens the folder.
LIVE_ROWS = 50


def _refresh_inboxes(storm: Storm) -> None:
    """Tell open inboxes the post's conversations changed: they enter or leave "Storming"."""
    ids = (
        Conversation.objects.filter(
            channel_id=storm.channel_id, context_external_id=storm.context_external_id
        )
        .order_by("-last_message_at", "-id")
        .values_list("pk", flat=True)[:LIVE_ROWS]
    )
    for pk in ids:
        live.conversation_changed(pk)


def storming_condition(user) -> Q:
    """The inbox's "Storming" folder: open conversations under a post with an open storm."""
    storm = Storm.objects.filter(
        ended_at=None,
        channel_id=OuterRef("channel_id"),
        context_external_id=OuterRef("context_external_id"),
    )
    return Q(Exists(storm), state=ConversationState.OPEN, is_spam=False)


def _announce(storm: Storm) -> None:
    """Tell the team once: Slack and/or a JSON webhook, if configured; both stored and
    retried (slack/delivery.py, webhooks_out/delivery.py)."""
    from rules.notify import queue_webhook
    from slack import notify as slack_notify

    slack, webhook = settings.STORM_SLACK_URL, settings.STORM_WEBHOOK_URL
    if not (slack or webhook):
        return
    text = f"Storm on a post of {storm.channel.name}: {storm.reason}."
    if slack:
        # Stored and retried like every Slack post (slack/delivery.py); once per storm.
        slack_notify.storm(slack, text, key=f"storm:{storm.pk}")
    if webhook:
        queue_webhook(
            webhook,
            {
                "event": "storm",
                "channel": storm.channel.name,
                "post": storm.context_external_id,
                "reason": storm.reason,
                "started_at": storm.started_at.isoformat(),
            },
            event="storm",
        )
    Storm.objects.filter(pk=storm.pk).update(notified_at=timezone.now())


def storming_posts() -> set[tuple[int, str]]:
    """(channel id, post id) of every open storm: one query."""
    return set(Storm.objects.filter(ended_at=None).values_list("channel_id", "context_external_id"))


def is_storming(conversation: Conversation) -> bool:
    if not conversation.context_external_id:
        return False
    return Storm.objects.filter(
        ended_at=None,
        channel_id=conversation.channel_id,
        context_external_id=conversation.context_external_id,
    ).exists()


def recent(limit: int = 20) -> list[Storm]:
    return list(Storm.objects.select_related("channel").order_by("-started_at")[:limit])
