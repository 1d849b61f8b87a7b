"""The inbox list and conversation pages run a fixed number of SQL queries, whatever the size.

Counted with a local-memory cache, so the shared cache's own SQL (the database cache backend)
is not mixed into the count; the folder counts are recomputed on every measured request.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Team
from inbox.models import (
    AuditEvent,
    Contact,
    Conversation,
    Direction,
    Identity,
    Message,
    Note,
    OutboundAction,
    SavedReply,
    Tag,
)
from tests.support import factories

pytestmark = pytest.mark.django_db

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Session, user, rows, row tags, 4 folder counts.
INBOX_QUERIES = 8
# Session, user, conversation; the read state (update_or_create: 2 savepoints, select,
# insert, 2 releases); messages + their outbox actions, timeline, identities, past
# conversations, customer notes, conversation notes, saved replies, agents, teams, draft;
# the list's rows and row tags, 4 folder counts; the conversation's tags.
CONVERSATION_QUERIES = 27


def build(n: int, *, thread: int) -> Conversation:
    """`n` conversations with customers, tags and messages; returns one with `thread` messages."""
    channel = factories.make_channel(name="Busy page")
    team = Team.objects.create(name=f"Team {n}")
    tags = [Tag.objects.create(name=f"tag-{n}-{i}") for i in range(3)]
    now = timezone.now()
    contacts = Contact.objects.bulk_create(Contact(name=f"Customer {i}") for i in range(n))
    identities = Identity.objects.bulk_create(
        Identity(contact=c, platform="testchat", external_id=f"u{n}-{i}", name=c.name)
        for i, c in enumerate(contacts))
    conversations = Conversation.objects.bulk_create(
        Conversation(channel=channel, contact=c, kind="comment", external_thread_id=f"t{n}-{i}",
                     preview=f"message {i}", last_message_at=now - timedelta(minutes=i),
                     team=team if i % 2 else None, context_external_id="post-1")
        for i, c in enumerate(contacts))
    Message.objects.bulk_create(
        Message(conversation=c, channel=channel, external_id=f"m{n}-{i}",
                direction=Direction.INBOUND, author_identity=identities[i], text=f"message {i}",
                platform_timestamp=now - timedelta(minutes=i))
        for i, c in enumerate(conversations))
    Conversation.tags.through.objects.bulk_create(
        Conversation.tags.through(conversation=c, tag=tags[i % 3])
        for i, c in enumerate(conversations))
    target = conversations[0]
    agent = factories.make_user(f"other{n}")
    for i in range(thread):
        out = Message.objects.create(conversation=target, channel=channel,
                                     direction=Direction.OUTBOUND, author_agent=agent,
                                     text=f"answer {i}", platform_timestamp=now,
                                     delivery_status="failed")
        OutboundAction.objects.create(channel=channel, conversation=target, kind="reply",
                                      message=out, state="failed", last_error="window closed")
        Note.objects.create(conversation=target, author=agent, text=f"note {i}")
        AuditEvent.objects.create(conversation=target, actor=agent, verb="tagged")
        Conversation.objects.create(channel=channel, contact=target.contact, kind="dm",
                                    external_thread_id=f"past{n}-{i}")
        Identity.objects.create(contact=target.contact, platform=f"other{i}",
                                external_id=f"x{n}-{i}")
        Note.objects.create(contact=target.contact, author=agent, text=f"vip {i}")
        target.tags.add(tags[i % 3])
    SavedReply.objects.create(title=f"Reply {n}", body="Hi {first_name}")
    return target


def count_queries(client, url) -> list[str]:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


@override_settings(CACHES=LOCMEM)
def test_inbox_list_queries_do_not_grow(agent_client):
    build(10, thread=1)
    small = count_queries(agent_client, reverse("inbox:inbox"))
    Conversation.objects.all().delete()
    build(1000, thread=1)
    large = count_queries(agent_client, reverse("inbox:inbox"))
    assert len(small) == len(large) == INBOX_QUERIES, "\n".join(large)


@override_settings(CACHES=LOCMEM)
def test_inbox_list_with_filters_and_sorts_is_fixed_too(agent_client):
    target = build(1000, thread=2)
    tag = target.tags.first()
    for query in ("?sort=priority", "?sort=sla&folder=all", f"?tag={tag.pk}", "?q=message",
                  f"?team={target.team_id or ''}&folder=unassigned"):
        sql = count_queries(agent_client, reverse("inbox:inbox") + query)
        assert len(sql) == INBOX_QUERIES, (query, "\n".join(sql))


@override_settings(CACHES=LOCMEM)
def test_conversation_page_queries_do_not_grow(agent_client):
    small_target = build(10, thread=1)
    small = count_queries(agent_client, reverse("inbox:conversation", args=[small_target.pk]))
    large_target = build(1000, thread=25)
    large = count_queries(agent_client, reverse("inbox:conversation", args=[large_target.pk]))
    assert len(small) == len(large) == CONVERSATION_QUERIES, "\n".join(large)


@override_settings(CACHES=LOCMEM)
def test_django_assert_num_queries_on_both_pages(agent_client, django_assert_num_queries):
    target = build(1000, thread=3)
    cache.clear()
    with django_assert_num_queries(INBOX_QUERIES):
        agent_client.get(reverse("inbox:inbox"))
    cache.clear()
    with django_assert_num_queries(CONVERSATION_QUERIES):
        agent_client.get(reverse("inbox:conversation", args=[target.pk]))
