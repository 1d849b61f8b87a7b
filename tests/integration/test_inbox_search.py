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
    zip_ = factories.make_conversation(
        text="The zipper on my jacket broke", customer="Emily Carter"
    )
    boots = factories.make_conversation(text="Love the boots", customer="Jürgen Becker")
    Identity.objects.filter(contact=boots.contact).update(handle="jbecker")
    assert found("zipper") == {zip_.pk}
    assert found("Emily") == {zip_.pk}
    assert found("@jbecker") == {boots.pk}
    assert found("nothing-like-this") == set()


@pytest.mark.parametrize("few", [2000, 1])
def test_common_and_rare_words_find_the_same_conversations(monkeypatch, few):
    """Past FEW_MATCHES the search walks the newest conversations instead of fetching ids."""
    monkeypatch.setattr("inbox.search.FEW_MATCHES", few)
    jacket = [
        factories.make_conversation(text=f"Jacket question {i}", customer=f"Kadri {i}")
        for i in range(3)
    ]
    other = factories.make_conversation(text="Boots", customer="Jacket Fan")
    factories.make_conversation(text="Hello", customer="Someone")

    assert found("jacket") == {c.pk for c in jacket} | {other.pk}
    assert found("Kadri") == {c.pk for c in jacket}


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


@pytest.mark.parametrize(
    ("model", "index"), [("Contact", "contact_name_trgm"), ("Identity", "identity_name_trgm")]
)
def test_postgres_finds_part_of_a_name_through_a_trigram_index(model, index):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram indexes exist only on PostgreSQL")
    from inbox import models

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = getattr(models, model).objects.filter(name__icontains="becker").explain()
        finally:
            cursor.execute("SET enable_seqscan = on")
    assert index in plan
