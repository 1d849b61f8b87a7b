"""Deciding what is worth a Slack post and storing it; delivery.py sends it.

Every function here runs inside the transaction of the change it announces and only stores
rows and registers an after-commit publish: no HTTP in a listener."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from inbox import memo
from inbox.models import Conversation, Note

from . import formatting
from .formatting import escape
from .models import Kind, SlackConnection, SlackMessage

# "@ann" or "@ann.lee" in a note, not the middle of an e-mail address.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]*\w)")
# When a manager first connects Slack, old breaches are not worth a flood of posts.
BREACH_LOOKBACK = timedelta(hours=1)
# Per kind and minute, the earliest due first. More at once is an outage, not news: a
# backlog beyond this is not posted conversation by conversation.
SLA_BATCH = 500


def enqueue(
    *, target: dict, kind: str, key: str, text: str, conversation: Conversation | None = None
) -> SlackMessage | None:
    """Store one post (once per key) and queue it after commit. `target` is
    SlackConnection.target(): a webhook URL, or a bot token and a channel."""
    body = json.dumps({"text": text}, ensure_ascii=False)
    try:
        with transaction.atomic():
            message = SlackMessage.objects.create(
                kind=kind, key=key, target=target, body=body, conversation=conversation
            )
    except IntegrityError:
        return None  # announced before
    from .delivery import queue_post

    transaction.on_commit(lambda: queue_post(message.pk))
    return message


def enabled_connection() -> SlackConnection | None:
    """The enabled connection: read once per batch of worker work (inbox/memo.py), since
    routing asks it for every new conversation and every assignment."""
    return memo.remembered("slack.connection", SlackConnection.current)


def _load(conversation_id: int) -> Conversation:
    return (
        Conversation.objects.select_related("channel", "contact", "assignee")
        .prefetch_related("tags")
        .get(pk=conversation_id)
    )


def new_conversation(conversation: Conversation) -> None:
    connection = enabled_connection()
    if connection is None or not connection.new_conversations:
        return
    if connection.folder_channel_id and connection.folder_channel_id != conversation.channel_id:
        return
    conversation = _load(conversation.pk)
    if connection.folder_tag and connection.folder_tag not in {
        t.name for t in conversation.tags.all()
    }:
        return
    folder = f" in #{escape(connection.folder_tag)}" if connection.folder_tag else ""
    enqueue(
        target=connection.target(),
        kind=Kind.NEW_CONVERSATION,
        key=f"new:{conversation.pk}",
        conversation=conversation,
        text=formatting.post(f"*New conversation*{folder}", conversation),
    )


def assigned(audit_event) -> None:
    connection = enabled_connection()
    if connection is None or not connection.assignments:
        return
    conversation = _load(audit_event.conversation_id)
    if conversation.assignee_id != audit_event.data.get("assignee_id"):
        return  # reassigned again within the same transaction: the later line tells it
    by = f" by {escape(audit_event.actor.display_name)}" if audit_event.actor_id else ""
    enqueue(
        target=connection.target(),
        kind=Kind.ASSIGNED,
        key=f"assigned:{audit_event.pk}",
        conversation=conversation,
        text=formatting.post(
            f"*Assigned to {connection.mention(conversation.assignee)}*{by}", conversation
        ),
    )


def mentioned(audit_event) -> None:
    connection = enabled_connection()
    if connection is None or not connection.mentions:
        return
    note = Note.objects.select_related("author").filter(pk=audit_event.data.get("note_id")).first()
    if note is None:
        return
    names = set(MENTION.findall(note.text))
    users = get_user_model().objects.filter(username__in=names, is_active=True)
    if not users:
        return
    conversation = _load(audit_event.conversation_id)
    author = escape(note.author.display_name) if note.author else "Someone"
    for user in users:
        enqueue(
            target=connection.target(),
            kind=Kind.MENTIONED,
            key=f"mentioned:{note.pk}:{user.pk}",
            conversation=conversation,
            text=formatting.post(
                f"*{connection.mention(user)}, you were mentioned* by {author} in a note",
                conversation,
                extra="Note:\n" + formatting.quote(note.text),
            ),
        )


def sla_scan(now=None) -> int:
    """Every minute (beat): open conversations about to breach or breached, each posted
    once per due time (a new due time after an answer is a new warning)."""
    from rules.sla import breached_q, due_soon_q

    connection = enabled_connection()
    if connection is None or not connection.sla:
        return 0
    now = now or timezone.now()
    made = 0
    for kind, q, headline in (
        (Kind.SLA_DUE_SOON, due_soon_q(now), "*SLA about to breach*"),
        (
            Kind.SLA_BREACHED,
            breached_q(now) & Q(sla_due_at__gte=now - BREACH_LOOKBACK),
            "*SLA breached*",
        ),
    ):
        found = {
            f"{kind}:{c.pk}:{c.sla_due_at.isoformat()}": c
            for c in Conversation.objects.filter(q)
            .order_by("sla_due_at", "pk")
            .select_related("channel", "contact", "assignee")[:SLA_BATCH]
            if c.sla_due_at  # always: both filters ask for a due time
        }
        posted = set(SlackMessage.objects.filter(key__in=list(found)).values_list("key", flat=True))
        for key, conversation in found.items():
            if key in posted:
                continue
            due = timezone.localtime(conversation.sla_due_at)
            who = (
                f", assigned to {escape(conversation.assignee.display_name)}"
                if conversation.assignee
                else ", unassigned"
            )
            made += bool(
                enqueue(
                    target=connection.target(),
                    kind=kind,
                    key=key,
                    conversation=conversation,
                    text=formatting.post(
                        f"{headline}: an answer is due {due:%Y-%m-%d %H:%M}{who}", conversation
                    ),
                )
            )
    return made


def storm(url: str, text: str, key: str) -> None:
    """reports/storms.py's announcement, on the same stored, retried rows."""
    enqueue(target={"url": url}, kind=Kind.STORM, key=key, text=escape(text))


def rule_notification(url: str, text: str) -> SlackMessage | None:
    """A rule's "Notify Slack" to the incoming webhook it names (text already escaped)."""
    return enqueue(target={"url": url}, kind=Kind.RULE, key=f"rule:{uuid.uuid4().hex}", text=text)


def test_message(connection: SlackConnection, *, by) -> SlackMessage | None:
    """The settings page's "Send a test message": stored and sent like every post."""
    return enqueue(
        target=connection.target(),
        kind=Kind.TEST,
        key=f"test:{uuid.uuid4().hex}",
        text=f"Switchboard is connected (test by {escape(by.display_name)}): "
        "notifications will arrive here.",
    )
