"""The inbox pages render for an agent, through the real URLs and templates."""

import pytest
from django.urls import reverse

from inbox.models import Conversation, ConversationState, SavedReply
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_login_required(client):
    response = client.get(reverse("inbox:inbox"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_inbox_lists_open_conversations_with_counts(agent_client):
    open_one = factories.make_conversation(text="Where is my parcel?", customer="Kadri Tamm")
    factories.make_conversation(
        text="Thanks, all good", customer="Old Case", state=ConversationState.CLOSED
    )
    response = agent_client.get(reverse("inbox:inbox"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Where is my parcel?" in html
    assert "Old Case" not in html
    assert f'id="row-{open_one.pk}"' in html
    assert 'data-count="open">1<' in html
    assert 'data-count="closed">1<' in html


def test_htmx_folder_request_returns_only_the_list(agent_client):
    factories.make_conversation(text="closed one", state=ConversationState.CLOSED)
    response = agent_client.get(
        reverse("inbox:inbox") + "?folder=closed",
        headers={"HX-Request": "true", "HX-Target": "list"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="list"')
    assert "closed one" in html
    assert "<html" not in html


def test_conversation_page_and_fragment(agent_client, agent):
    conversation = factories.make_conversation(text="My order never came", customer="Mari Maasikas")
    SavedReply.objects.create(title="Sorry", body="Hi {first_name}, sorry! {agent_name}")
    url = reverse("inbox:conversation", args=[conversation.pk])
    page = agent_client.get(url).content.decode()
    assert "My order never came" in page and 'id="composer"' in page and 'id="list"' in page
    assert "Hi Mari, sorry! Anna" in page  # saved reply variables filled for the picker
    fragment = agent_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith('<main id="pane"')
    assert 'id="list"' not in fragment


def test_reply_send_and_close(
    agent_client, agent, testchat_channel, django_capture_on_commit_callbacks
):
    conversation = factories.make_conversation(testchat_channel, text="Question?")
    url = reverse("inbox:reply", args=[conversation.pk])
    response = agent_client.post(
        url, {"text": "Answer!", "mode": "private", "close": "1"}, headers={"HX-Request": "true"}
    )
    assert "cannot answer that way" in response.content.decode()
    # It closes when the reply lands: the eager outbox posts it after the view's commit.
    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            url,
            {"text": "Answer!", "mode": "public", "close": "1", "advance": "1"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert "replySent" in response["HX-Trigger-After-Settle"]
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.CLOSED
    assert conversation.messages.filter(direction="out", text="Answer!").exists()
    assert Conversation.objects.get(pk=conversation.pk).state == "closed"


def test_timeline_explains_rule_decisions_escaped(agent_client, agent):
    from inbox.models import AuditEvent

    convo = factories.make_conversation(text="How do I pay?")
    AuditEvent.objects.create(
        conversation=convo,
        rule_name="Payments",
        verb="rule_matched",
        data={"matched": "pay", "trigger": "new_message", "actions": ["tagged Payment"]},
    )
    AuditEvent.objects.create(
        conversation=convo,
        rule_name="<b>Evil</b>",
        verb="rule_matched",
        data={"matched": "<img src=x onerror=alert(1)>", "actions": ["tagged <script>x</script>"]},
    )
    AuditEvent.objects.create(conversation=convo, actor=agent, verb="tagged", data={"tag": "vip"})
    AuditEvent.objects.create(
        conversation=convo, rule_name="Night", verb="assigned", data={"assignee": "Boris"}
    )
    html = agent_client.get(reverse("inbox:conversation", args=[convo.pk])).content.decode()
    timeline = html[html.index('class="timeline"') :]
    # The trigger in words, not its name ("(on new_message)").
    assert "tagged Payment by rule ‘Payments’, matched ‘pay’, when the customer wrote" in timeline
    assert "new_message" not in timeline
    assert "Anna: tagged vip" in timeline
    assert "rule ‘Night’: assigned → Boris" in timeline
    assert "&lt;b&gt;Evil&lt;/b&gt;" in timeline
    assert "&lt;img src=x onerror=alert(1)&gt;" in timeline
    assert "<script>x" not in timeline and "<img src=x" not in timeline


def test_timeline_shows_a_rule_hit_once_with_the_outcome_of_its_posts(agent_client):
    from inbox.models import AuditEvent

    convo = factories.make_conversation(text="你们发货到上海吗？")
    AuditEvent.objects.create(
        conversation=convo,
        rule_name="Chinese to Jack",
        verb="rule_matched",
        data={"matched": "language zh", "actions": ["assigned to Jack"]},
    )
    AuditEvent.objects.create(
        conversation=convo, rule_name="Chinese to Jack", verb="assigned", data={"assignee": "Jack"}
    )
    AuditEvent.objects.create(
        conversation=convo,
        rule_name="Chinese to Jack",
        verb="action_like_failed",
        data={"reason": "window closed"},
    )
    html = agent_client.get(reverse("inbox:conversation", args=[convo.pk])).content.decode()
    timeline = html[html.index('class="timeline"') :]
    assert timeline.count("Chinese to Jack") == 2
    assert "assigned to Jack by rule ‘Chinese to Jack’, matched ‘language zh’" in timeline
    assert "like failed (window closed)" in timeline and "action like" not in timeline


def test_message_action_the_platform_refuses_is_a_clear_400_and_queues_nothing(agent_client):
    from inbox.models import ConversationKind, OutboundAction

    channel = factories.make_channel("facebook")
    dm = factories.make_conversation(channel, kind=ConversationKind.DM)
    message = dm.messages.get()

    refused = agent_client.post(reverse("inbox:message_action", args=[message.pk, "like"]))
    unknown = agent_client.post(reverse("inbox:message_action", args=[message.pk, "reply"]))

    assert refused.status_code == 400
    assert "Messenger messages cannot be liked" in refused.content.decode()
    assert unknown.status_code == 404
    assert not OutboundAction.objects.exists()
