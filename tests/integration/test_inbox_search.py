"""Search across messages, customers and handles; full-text with an index on PostgreSQL."""

import pytest
from django.db import connection
from django.urls import reverse

from inbox.models import Conversation, Identity
from inbox.search import search_conversations
from tests.support import factories

pytestmark = pytest.mark.django_db


def found(q):
    return set(search_conversations(Conversation.objects.all(), q).values_list("pk", flat=True))


def test_search_messages_customers_and_handles():
    zip_ = factories.make_conversation(text="The zipper on my jacket broke", customer="Emily Carter")
    boots = factories.make_conversation(text="Love the boots", customer="Jürgen Becker")
    Identity.objects.filter(contact=boots.contact).update(handle="jbecker")
    assert found("zipper") == {zip_.pk}
    assert found("Emily") == {zip_.pk}
    assert found("@jbecker") == {boots.pk}
    assert found("nothing-like-this") == set()


def test_search_page(agent_client):
    factories.make_conversation(text="Refund for order 48213 please", customer="Pablo Ruiz")
    factories.make_conversation(text="Hello", customer="Someone Else")
    html = agent_client.get(reverse("inbox:inbox"), {"q": "refund"}).content.decode()
    assert "Pablo Ruiz" in html and "Someone Else" not in html


def test_postgres_uses_the_full_text_index():
    if connection.vendor != "postgresql":
        pytest.skip("the GIN index exists only on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'msg_text_fts'")
        assert "gin" in cursor.fetchone()[0].lower()
        cursor.execute("SET enable_seqscan = off")
        try:
            from inbox.search import _messages_matching
            plan = _messages_matching("zipper").explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert "msg_text_fts" in plan
