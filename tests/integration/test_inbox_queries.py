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
# Session, user, rows, row tags, the folder counts (one UNION of capped counts), the
# disconnected channels (their banner), the bulk bar's agents and teams (one UNION: they
# were a query each).
INBOX_QUERIES = 7
# Session, user, conversation (with whether the agent has read it since the customer last
# wrote: no read mark to write unless they wrote since);
# messages + their outbox actions, timeline, identities, past conversations, the
# conversation's and the customer's notes (one query), saved replies, agents and teams (one
# query), draft; the public/private linked threads; the list's rows and row tags, the folder
# counts, the disconnected channels (the bulk bar reuses the pane's agents and teams); the
# conversation's tags; whether the agent's role may delete on the platform (a message
# offers Delete).
CONVERSATION_QUERIES = 19
# What htmx asks for when an agent opens a conversation from the list: the pane alone.
PANE_QUERIES = CONVERSATION_QUERIES - 4


def build(n: int, *, thread: int) -> Conversation:
    """`n` conversations with customers, tags and messages; returns one with `thread` messages."""
    channel = factories.make_channel(name="Busy page")
    team = Team.objects.create(name=f"Team {n}")
    tags = [Tag.objects.create(name=f"tag-{n}-{i}") for i in range(3)]
    now = timezone.now()
    contacts = Contact.objects.bulk_create(Contact(name=f"Customer {i}") for i in range(n))
    identities = Identity.objects.bulk_create(
        Identity(contact=c, platform="testchat", external_id=f"u{n}-{i}", name=c.name)
        for i, c in enumerate(contacts)
    )
    conversations = Conversation.objects.bulk_create(
        Conversation(
            channel=channel,
            contact=c,
            kind="comment",
            external_thread_id=f"t{n}-{i}",
            preview=f"message {i}",
            last_message_at=now - timedelta(minutes=i),
            team=team if i % 2 else None,
            context_external_id="post-1",
        )
        for i, c in enumerate(contacts)
    )
    Message.objects.bulk_create(
        Message(
            conversation=c,
            channel=channel,
            external_id=f"m{n}-{i}",
            direction=Direction.INBOUND,
            author_identity=identities[i],
            text=f"message {i}",
            platform_timestamp=now - timedelta(minutes=i),
        )
        for i, c in enumerate(conversations)
    )
    Conversation.tags.through.objects.bulk_create(
        Conversation.tags.through(conversation=c, tag=tags[i % 3])
        for i, c in enumerate(conversations)
    )
    target = conversations[0]
    agent = factories.make_user(f"other{n}")
    for i in range(thread):
        out = Message.objects.create(
            conversation=target,
            channel=channel,
            direction=Direction.OUTBOUND,
            author_agent=agent,
            text=f"answer {i}",
            platform_timestamp=now,
            delivery_status="failed",
        )
        OutboundAction.objects.create(
            channel=channel,
            conversation=target,
            kind="reply",
            message=out,
            state="failed",
            last_error="window closed",
        )
        Note.objects.create(conversation=target, author=agent, text=f"note {i}")
        AuditEvent.objects.create(conversation=target, actor=agent, verb="tagged")
        Conversation.objects.create(
            channel=channel, contact=target.contact, kind="dm", external_thread_id=f"past{n}-{i}"
        )
        Identity.objects.create(
            contact=target.contact, platform=f"other{i}", external_id=f"x{n}-{i}"
        )
        Note.objects.create(contact=target.contact, author=agent, text=f"vip {i}")
        target.tags.add(tags[i % 3])
    SavedReply.objects.create(title=f"Reply {n}", body="Hi {first_name}")
    return target


def count_queries(client, url, **headers) -> list[str]:
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
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
    for query in (
        "?sort=priority",
        "?sort=sla&folder=all",
        f"?tag={tag.pk}",
        f"?team={target.team_id or ''}&folder=unassigned",
    ):
        sql = count_queries(agent_client, reverse("inbox:inbox") + query)
        assert len(sql) == INBOX_QUERIES, (query, "\n".join(sql))
    # A search first asks how often the words and the names match (inbox/search.py).
    sql = count_queries(agent_client, reverse("inbox:inbox") + "?q=message")
    assert len(sql) == INBOX_QUERIES + 2, "\n".join(sql)


@override_settings(CACHES=LOCMEM)
def test_conversation_page_queries_do_not_grow(agent_client):
    small_target = build(10, thread=1)
    small = count_queries(agent_client, reverse("inbox:conversation", args=[small_target.pk]))
    large_target = build(1000, thread=25)
    large = count_queries(agent_client, reverse("inbox:conversation", args=[large_target.pk]))
    assert len(small) == len(large) == CONVERSATION_QUERIES, "\n".join(large)


@override_settings(CACHES=LOCMEM)
def test_the_pane_alone_runs_no_list_queries_and_does_not_grow(agent_client):
    small_target = build(10, thread=1)
    url = reverse("inbox:conversation", args=[small_target.pk])
    small = count_queries(agent_client, url, HTTP_HX_REQUEST="true")
    large_target = build(1000, thread=25)
    url = reverse("inbox:conversation", args=[large_target.pk])
    large = count_queries(agent_client, url, HTTP_HX_REQUEST="true")
    assert len(small) == len(large) == PANE_QUERIES, "\n".join(large)
    assert not any("LIMIT 51" in sql for sql in large)  # no list rows


def _writes(sql: list[str]) -> list[str]:
    return [q for q in sql if q.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


@override_settings(CACHES=LOCMEM)
def test_opening_a_conversation_writes_only_when_the_customer_wrote_since(agent_client, agent):
    from inbox.models import ReadState

    target = build(10, thread=1)
    Conversation.objects.filter(pk=target.pk).update(last_inbound_at=timezone.now())
    url = reverse("inbox:conversation", args=[target.pk])

    first = count_queries(agent_client, url)
    assert _writes(first), "the first open marks it read"
    again = count_queries(agent_client, url)
    assert _writes(again) == []
    assert len(again) == CONVERSATION_QUERIES  # the read state, checked in the same query
    listed = agent_client.get(reverse("inbox:inbox")).content.decode()
    assert f'id="row-{target.pk}" class="row state-open' in listed  # read, not "row unread"

    # The customer writes again: unread, and the next open marks it read again.
    read_at = ReadState.objects.get(user=agent, conversation=target).read_at
    Conversation.objects.filter(pk=target.pk).update(last_inbound_at=read_at + timedelta(seconds=1))
    assert _writes(count_queries(agent_client, url))
    assert ReadState.objects.get(user=agent, conversation=target).read_at > read_at


@override_settings(CACHES=LOCMEM)
def test_the_list_and_the_conversation_never_read_channel_credentials(agent_client):
    target = build(100, thread=2)
    listed = count_queries(agent_client, reverse("inbox:inbox"))
    assert not [q for q in listed if '"inbox_channel"."credentials"' in q]
    # Not even the conversation's own channel: its connector's capabilities come from the
    # channel's kind, and a platform is called by a worker, which loads its own channel.
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        url = reverse("inbox:conversation", args=[target.pk])
        page = count_queries(agent_client, url, **headers)
        assert not [q for q in page if '"inbox_channel"."credentials"' in q]


@override_settings(CACHES=LOCMEM)
def test_django_assert_num_queries_on_both_pages(agent_client, django_assert_num_queries):
    target = build(1000, thread=3)
    cache.clear()
    with django_assert_num_queries(INBOX_QUERIES):
        agent_client.get(reverse("inbox:inbox"))
    cache.clear()
    with django_assert_num_queries(CONVERSATION_QUERIES):
        agent_client.get(reverse("inbox:conversation", args=[target.pk]))


@override_settings(CACHES=LOCMEM)
def test_folder_counts_are_exact_below_the_cap_and_capped_above(agent_client, agent, monkeypatch):
    from inbox import selectors

    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    channel = factories.make_channel(name="Counted page")
    team = Team.objects.create(name="Counted team")
    tag = Tag.objects.create(name="counted")
    for i in range(7):
        c = factories.make_conversation(channel, text=f"open {i}")
        if i < 2:
            c.tags.add(tag)
            Conversation.objects.filter(pk=c.pk).update(team=team, assignee=agent)
    for state in ("closed", "pending"):
        factories.make_conversation(channel, text=state, state=state)
    Conversation.objects.filter(preview="pending").update(is_spam=True)

    cache.clear()
    html = agent_client.get(reverse("inbox:inbox")).content.decode()

    assert 'data-count="open">4+<' in html  # 7 open, capped at 5
    assert 'data-count="mine">2<' in html
    assert 'data-count="unassigned">4+<' in html  # 5 unassigned open
    assert 'data-count="closed">1<' in html
    assert 'data-count="pending">0<' in html  # the pending one is spam
    assert 'data-count="spam">1<' in html
    counts = selectors.folder_counts(agent)
    assert (tag.pk, "counted", tag.color, 2) in counts["tags"]
    assert (channel.pk, "Counted page", channel.kind, 7) in counts["channels"]
    assert (team.pk, "Counted team", 2) in counts["teams"]
    assert counts["exact"]
    # The channel's 7 open conversations are over the cap of 5 too.
    assert f'{channel.name} <span class="kind">' in html and ">4+</span>" in html


@override_settings(CACHES=LOCMEM)
def test_tag_counts_beyond_the_open_window_are_lower_bounds(agent_client, agent, monkeypatch):
    from inbox import selectors

    monkeypatch.setattr(selectors, "WINDOW", 3)
    tag = Tag.objects.create(name="windowed")
    for i in range(4):
        factories.make_conversation(text=f"open {i}").tags.add(tag)
    counts = selectors._count_folders(agent)
    assert not counts["exact"]
    assert (tag.pk, "windowed", tag.color, 3) in counts["tags"]
    cache.clear()
    html = agent_client.get(reverse("inbox:inbox")).content.decode()
    assert 'windowed <span class="count">3+</span>' in html
