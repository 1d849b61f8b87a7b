""" "Load more" walks the list by position: every row once, in order, whatever changes meanwhile."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import paging, selectors
from inbox.models import Conversation, ConversationState
from tests.support import factories

pytestmark = pytest.mark.django_db


def walk(params: selectors.ListParams, user) -> list[int]:
    seen, after = [], ""
    while True:
        rows, after = selectors.inbox_rows(
            selectors.ListParams(**{**params.__dict__, "after": after}), user
        )
        seen += [r.pk for r in rows]
        if not after:
            return seen


@pytest.mark.parametrize("sort", ["newest", "oldest", "sla", "priority"])
def test_pages_follow_the_order_of_every_sort(monkeypatch, agent, sort):
    """Ties, missing times and missing SLAs included: pages of 3 give the whole list once."""
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    channel = factories.make_channel()
    now = timezone.now()
    for i in range(11):
        convo = factories.make_conversation(
            channel,
            text=f"q{i}",
            customer=f"C{i}",
            at=now - timedelta(minutes=i % 4),
            priority=["urgent", "high", "normal", "low"][i % 4],
            sla_due_at=None if i % 3 else now + timedelta(minutes=i % 2),
        )
        if i in (4, 9):
            Conversation.objects.filter(pk=convo.pk).update(last_message_at=None)
    expected = list(paging.ordered(Conversation.objects.all(), sort).values_list("pk", flat=True))
    assert walk(selectors.ListParams(sort=sort), agent) == expected
    if sort == "newest":  # a conversation with no time sorts as the latest, on any database
        assert set(expected[:2]) == set(
            Conversation.objects.filter(last_message_at=None).values_list("pk", flat=True)
        )


def test_closing_and_new_arrivals_skip_nobody(monkeypatch, agent):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    channel = factories.make_channel()
    now = timezone.now()
    convs = [
        factories.make_conversation(
            channel, text=f"q{i}", customer=f"C{i}", at=now - timedelta(minutes=i + 1)
        )
        for i in range(10)
    ]
    first, after = selectors.inbox_rows(selectors.ListParams(), agent)
    assert [c.pk for c in first] == [c.pk for c in convs[:4]]
    # While the agent reads page one: two of it are closed, a new customer writes.
    Conversation.objects.filter(pk__in=[convs[0].pk, convs[2].pk]).update(
        state=ConversationState.CLOSED
    )
    factories.make_conversation(channel, text="new", customer="New", at=now)
    second, _ = selectors.inbox_rows(selectors.ListParams(after=after), agent)
    assert [c.pk for c in second] == [c.pk for c in convs[4:8]]


def test_a_broken_cursor_shows_the_first_page(agent_client):
    factories.make_conversation(text="Still here", customer="Kadri Tamm")
    for cursor in ["nonsense", "[1]", '["x", 1]', "[null, true]"]:
        html = agent_client.get(reverse("inbox:inbox"), {"after": cursor}).content.decode()
        assert "Kadri Tamm" in html


def test_load_more_answers_the_next_rows_only(agent_client, monkeypatch):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    channel = factories.make_channel()
    now = timezone.now()
    for i in range(3):
        factories.make_conversation(
            channel, text=f"q{i}", customer=f"Customer {i}", at=now - timedelta(minutes=i)
        )
    page = agent_client.get(reverse("inbox:inbox")).content.decode()
    assert "Customer 2" not in page and 'id="more"' in page
    after = selectors.inbox_rows(
        selectors.ListParams(), agent_client.get(reverse("inbox:inbox")).wsgi_request.user
    )[1]
    more = agent_client.get(
        reverse("inbox:inbox"), {"after": after, "fragment": "more"}, headers={"HX-Request": "true"}
    )
    assert more.status_code == 200
    html = more.content.decode()
    assert "Customer 2" in html and "Customer 0" not in html
    assert 'id="list"' not in html and 'id="more"' not in html
