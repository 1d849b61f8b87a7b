"""Bulk actions through the views: on selected rows and on every comment of a post."""

import pytest
from django.urls import reverse

from accounts.models import Team
from inbox.models import Conversation
from tests.support import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def bulk(client, data, *, query: str = ""):
    return client.post(reverse("inbox:bulk") + query, data, headers=HTMX)


@pytest.fixture
def rows(testchat_channel):
    return [
        factories.make_conversation(
            testchat_channel, text=f"Question {i}", customer=f"Customer {i}"
        )
        for i in range(3)
    ]


def fresh(conversations):
    return [Conversation.objects.get(pk=c.pk) for c in conversations]


def test_the_bulk_bar_offers_every_bulk_action(agent_client, rows, agent2):
    Team.objects.create(name="Night shift")
    html = agent_client.get(reverse("inbox:inbox")).content.decode()
    bar = html[html.index('id="bulk"') : html.index('id="rows"')]
    for verb in ("close", "assign", "tag", "priority", "snooze", "spam"):
        assert f'name="verb" value="{verb}"' in bar, verb
    assert f'<option value="{agent2.pk}">Boris</option>' in bar
    assert "Team: Night shift" in bar


def test_close_and_spam_only_the_selected_rows(agent_client, rows):
    a, b, c = rows
    response = bulk(agent_client, {"verb": "close", "scope": "selected", "ids": [a.pk, b.pk]})
    assert response.status_code == 200
    assert response["HX-Trigger-After-Settle"] == '{"bulkDone": {"verb": "close", "count": 2}}'
    assert [x.state for x in fresh(rows)] == ["closed", "closed", "open"]
    # The list that comes back no longer shows them (Open folder).
    assert f'id="row-{c.pk}"' in response.content.decode()
    assert f'id="row-{a.pk}"' not in response.content.decode()
    bulk(agent_client, {"verb": "spam", "scope": "selected", "ids": [c.pk]})
    assert fresh([c])[0].is_spam


def test_assign_to_me_someone_and_a_team(agent_client, agent, agent2, rows):
    a, b, c = rows
    team = Team.objects.create(name="Estonian desk")
    bulk(agent_client, {"verb": "assign", "to": "me", "ids": [a.pk]})
    bulk(agent_client, {"verb": "assign", "to": str(agent2.pk), "ids": [b.pk]})
    bulk(agent_client, {"verb": "assign", "to": f"team:{team.pk}", "ids": [c.pk]})
    a, b, c = fresh(rows)
    assert (a.assignee, b.assignee, c.assignee, c.team) == (agent, agent2, None, team)


def test_tag_priority_and_snooze_selected_rows(agent_client, rows):
    a, b, c = rows
    bulk(agent_client, {"verb": "tag", "name": "refund, vip", "ids": [a.pk, b.pk]})
    bulk(agent_client, {"verb": "priority", "priority": "urgent", "ids": [b.pk, c.pk]})
    bulk(agent_client, {"verb": "snooze", "until": "tomorrow", "ids": [c.pk]})
    a, b, c = fresh(rows)
    assert sorted(a.tags.values_list("name", flat=True)) == ["refund", "vip"]
    assert sorted(b.tags.values_list("name", flat=True)) == ["refund", "vip"]
    assert not c.tags.exists()
    assert (a.priority, b.priority, c.priority) == ("normal", "urgent", "urgent")
    assert c.state == "snoozed" and c.snoozed_until is not None


def test_a_bad_value_is_refused_not_half_applied_silently(agent_client, rows):
    response = bulk(agent_client, {"verb": "priority", "priority": "whenever", "ids": [rows[0].pk]})
    assert response.status_code == 400
    assert bulk(agent_client, {"verb": "delete", "ids": [rows[0].pk]}).status_code == 400
    assert fresh(rows)[0].priority == "normal"


def test_bulk_on_a_whole_posts_comments(agent_client, agent, testchat_channel):
    storm = [
        factories.make_conversation(
            testchat_channel, text=f"Complaint {i}", context_external_id="post-9"
        )
        for i in range(3)
    ]
    other = factories.make_conversation(testchat_channel, text="Unrelated")
    query = f"?post={testchat_channel.pk}:post-9"
    html = agent_client.get(reverse("inbox:inbox") + query).content.decode()
    head = html[html.index('class="post-head"') : html.index('id="bulk"')]
    for verb in ("close", "assign", "tag", "priority", "snooze", "spam"):
        assert f'name="verb" value="{verb}"' in head, verb

    bulk(agent_client, {"verb": "tag", "name": "price-list", "scope": "post"}, query=query)
    bulk(agent_client, {"verb": "assign", "to": "me", "scope": "post"}, query=query)
    bulk(agent_client, {"verb": "close", "scope": "post"}, query=query)
    for c in fresh(storm):
        assert c.state == "closed" and c.assignee == agent
        assert list(c.tags.values_list("name", flat=True)) == ["price-list"]
    other = fresh([other])[0]
    assert other.state == "open" and other.assignee is None and not other.tags.exists()


def test_outsiders_cannot_bulk(client, rows):
    response = client.post(reverse("inbox:bulk"), {"verb": "close", "ids": [rows[0].pk]})
    assert response.status_code in (302, 403)
    assert fresh(rows)[0].state == "open"
