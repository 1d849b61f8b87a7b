"""The pane's past conversations and public → private links come from one query
(selectors.past_and_linked): each part keeps its own order and limit."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox import selectors
from inbox.models import Conversation
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_past_latest_first_and_links_both_ways_in_one_query():
    now = timezone.now()
    comment = factories.make_conversation(text="Public comment")
    contact = comment.contact
    channel = comment.channel

    def another(**fields) -> Conversation:
        n = Conversation.objects.count()
        fields.setdefault("kind", "comment")
        return Conversation.objects.create(
            channel=channel, contact=contact, external_thread_id=f"other{n}", **fields
        )

    private = another(kind="dm", origin=comment, last_message_at=now - timedelta(days=1))
    never = another(last_message_at=None)  # never written: listed last
    older = another(last_message_at=now - timedelta(days=3))
    many = [another(last_message_at=now - timedelta(days=10 + i)) for i in range(12)]

    with CaptureQueriesContext(connection) as ctx:
        past, linked = selectors.past_and_linked(comment, contact)
        names = [c.channel.name for c in past + linked]
    assert len(ctx.captured_queries) == 1
    assert names == [channel.name] * len(names)
    # The private continuation is both one of the customer's and a link.
    assert past == [private, older, *many[:8]]
    assert linked == [private]
    assert never not in past  # the latest ten are all written

    past, linked = selectors.past_and_linked(private, contact)
    assert linked == [comment]
    assert comment in past


def test_without_a_customer_only_the_links():
    comment = factories.make_conversation(text="Public comment")
    private = Conversation.objects.create(
        channel=comment.channel, kind="dm", external_thread_id="dm1", origin=comment
    )
    assert selectors.past_and_linked(private, None) == ([], [comment])
    assert selectors.past_and_linked(comment, None) == ([], [private])


def test_never_written_conversations_come_last():
    comment = factories.make_conversation(text="Public comment")
    never = Conversation.objects.create(
        channel=comment.channel, contact=comment.contact, kind="comment", external_thread_id="x1"
    )
    written = Conversation.objects.create(
        channel=comment.channel,
        contact=comment.contact,
        kind="comment",
        external_thread_id="x2",
        last_message_at=timezone.now() - timedelta(days=30),
    )
    assert selectors.past_and_linked(comment, comment.contact) == ([written, never], [])
