"""Slack notifications: the four kinds reach a local Slack stand-in over HTTP, with the
customer's text escaped for mrkdwn, the channel and a link; a failing Slack gets the post
once after the retries. Time passes by moving the rows' due time."""

import json
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from inbox import conversations as ops
from rules.models import Rule, Trigger
from slack import tasks
from slack.models import SlackConnection, SlackMessage
from slack.standin import BOT_TOKEN, SlackStandin
from switchboard.standin_server import served
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events

NASTY = "<script>&<@U123>"
ESCAPED = "&lt;script&gt;&amp;&lt;@U123&gt;"


@pytest.fixture
def slack(db):
    # override_settings, not pytest-django's `settings`: that one, mixed with a test's
    # @override_settings, restores the decorator's values after the test (a leak).
    with served(SlackStandin()) as standin, override_settings(SLACK_API_URL=standin.url + "/api"):
        yield standin


def connect(standin, method="webhook", **options):
    if method == "bot":
        return SlackConnection.objects.create(
            method="bot", channel="C0SUPPORT", secret={"bot_token": BOT_TOKEN}, **options
        )
    return SlackConnection.objects.create(
        secret={"webhook_url": standin.url + "/services/T000/B000/XXXX"}, **options
    )


def time_passes(callbacks):
    SlackMessage.objects.filter(state="pending").update(next_attempt_at=timezone.now())
    with callbacks(execute=True):
        return tasks.sweep()


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True, SITE_URL="https://sb.example")
@pytest.mark.parametrize("method", ["webhook", "bot"])
def test_the_four_kinds_arrive_with_the_customers_text_escaped(
    method, slack, client, agent, agent2, django_capture_on_commit_callbacks
):
    connect(slack, method, member_ids={"anna": "U0ANNA1"})
    channel = factories.make_channel("testchat", external_id=ACCOUNT, name="Shop & Co")
    with django_capture_on_commit_callbacks(execute=True):
        assert post_events(client, event("c1", thread="t9", text=NASTY)).status_code == 200
    [new] = slack.posts
    conversation = SlackMessage.objects.get().conversation
    with django_capture_on_commit_callbacks(execute=True):
        ops.conversation_assign(conversation=conversation, assignee=agent, actor=agent2)
    with django_capture_on_commit_callbacks(execute=True):
        ops.note_add(conversation=conversation, text="@boris can you <check> this?", actor=agent)
    soon = factories.make_conversation(
        channel, text=NASTY, sla_due_at=timezone.now() + timedelta(minutes=5)
    )
    late = factories.make_conversation(
        channel, text=NASTY, sla_due_at=timezone.now() - timedelta(minutes=5)
    )
    time_passes(django_capture_on_commit_callbacks)
    time_passes(django_capture_on_commit_callbacks)  # the same breach is posted once

    texts = [p["text"] for p in slack.posts]
    assert len(texts) == 5
    new, assigned, mentioned, *sla = texts
    assert new.startswith("*New conversation*")
    assert assigned.startswith("*Assigned to <@U0ANNA1>* by Boris")  # pinged in Slack
    assert mentioned.startswith("*Boris, you were mentioned* by Anna")
    assert "&lt;check&gt;" in mentioned
    assert sorted(t.split(":")[0] for t in sla) == ["*SLA about to breach*", "*SLA breached*"]
    for text in texts:
        assert f"> {ESCAPED}" in text  # the customer's words, quoted and escaped
        assert "Shop &amp; Co (testchat)" in text  # the channel
        assert NASTY not in text and "<script>" not in text
    link = "<https://sb.example/c/{}/|Open the conversation>"
    assert link.format(conversation.pk) in new and link.format(conversation.pk) in mentioned
    assert any(link.format(soon.pk) in t for t in sla)
    assert any(link.format(late.pk) in t for t in sla)
    if method == "bot":
        assert {r["path"] for r in slack.requests} == {"/api/chat.postMessage"}
        assert {r["auth"] for r in slack.requests} == {f"Bearer {BOT_TOKEN}"}
        assert {p["channel"] for p in slack.posts} == {"C0SUPPORT"}
    else:
        assert {r["path"] for r in slack.requests} == {"/services/T000/B000/XXXX"}


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_only_new_conversations_in_the_folder_are_posted(
    slack, client, django_capture_on_commit_callbacks
):
    """The folder is a tag a rule puts on at routing (rules run before Slack's listener)."""
    Rule.objects.create(
        name="Refunds",
        trigger=Trigger.NEW_MESSAGE,
        conditions={"type": "text_contains_any", "value": ["refund"]},
        actions=[{"type": "add_tag", "value": "Refunds"}],
    )
    connect(slack, folder_tag="Refunds")
    factories.make_channel("testchat", external_id=ACCOUNT)
    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, event("c1", thread="t1", text="Nice shoes"))
    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, event("c2", thread="t2", text="I want a refund", ts=1_700_000_100))
    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, event("c3", thread="t2", text="Still waiting", ts=1_700_000_200))
    [post] = slack.posts
    assert post["text"].startswith("*New conversation* in #Refunds")
    assert "> I want a refund" in post["text"]


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_slack_failing_twice_gets_the_post_once_after_the_retries(
    db, agent, django_capture_on_commit_callbacks
):
    with served(SlackStandin(statuses=[500, 500])) as slack:
        connect(slack)
        conversation = factories.make_conversation()
        with django_capture_on_commit_callbacks(execute=True):
            ops.conversation_assign(conversation=conversation, assignee=agent, actor=agent)
        message = SlackMessage.objects.get()
        gaps = []
        for _ in range(2):
            message.refresh_from_db()
            assert (message.state, message.last_status) == ("pending", 500)
            gaps.append(message.next_attempt_at - message.last_attempt_at)
            time_passes(django_capture_on_commit_callbacks)
        message.refresh_from_db()
        assert (message.state, message.attempts, message.last_status) == ("delivered", 3, 200)
        assert [round(g.total_seconds()) for g in gaps] == [30, 60]
        assert [r["status"] for r in slack.requests] == [500, 500, 200]
        assert len({json.dumps(r["json"]) for r in slack.requests}) == 1
        assert len(slack.posts) == 1
        assert time_passes(django_capture_on_commit_callbacks) == 0
        assert len(slack.requests) == 3


def test_slack_is_refused_on_a_private_address(db, agent, django_capture_on_commit_callbacks):
    with served(SlackStandin()) as slack:
        connect(slack)
        with django_capture_on_commit_callbacks(execute=True):
            ops.conversation_assign(
                conversation=factories.make_conversation(), assignee=agent, actor=agent
            )
        assert slack.requests == []
        assert SlackMessage.objects.get().state == "failed"


def test_a_manager_connects_slack_on_the_settings_page(client, manager, agent):
    client.force_login(agent)
    assert client.get("/settings/slack/").status_code == 403
    client.force_login(manager)
    page = client.get("/settings/slack/")
    assert page.status_code == 200 and b"Incoming webhook URL" in page.content
    refused = client.post(
        "/settings/slack/", {"webhook_url": "http://10.0.0.1/hook", "enabled": "on"}
    )
    assert refused.status_code == 200 and not SlackConnection.objects.exists()
    with override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True):
        saved = client.post(
            "/settings/slack/",
            {
                "webhook_url": "http://127.0.0.1:9/services/T/B/X",
                "enabled": "on",
                "assignments": "on",
                "folder_tag": "vip",
                "members": "anna U0ANNA1",
            },
        )
    assert saved.status_code == 302
    connection = SlackConnection.objects.get()
    assert connection.webhook_url.endswith("/services/T/B/X") and connection.folder_tag == "vip"
    assert not connection.mentions and connection.member_ids == {"anna": "U0ANNA1"}
    assert b'href="/settings/slack/"' in client.get("/settings/slack/").content


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_bots_refusals_fail_the_post_and_ratelimited_waits_for_retry_after(
    db, agent, django_capture_on_commit_callbacks
):
    with (
        served(SlackStandin(statuses=[429])) as slack,
        override_settings(SLACK_API_URL=slack.url + "/api"),
    ):
        connection = connect(slack, "bot")

        def assign():
            with django_capture_on_commit_callbacks(execute=True):
                ops.conversation_assign(
                    conversation=factories.make_conversation(), assignee=agent, actor=agent
                )
            return SlackMessage.objects.order_by("-pk").first()

        # Over the rate limit: HTTP 429, "ratelimited", Retry-After: 1 -- again in a second.
        limited = assign()
        assert (limited.state, limited.last_status) == ("pending", 429)
        wait = limited.next_attempt_at - limited.last_attempt_at
        assert 0 < wait.total_seconds() <= 2  # Slack's Retry-After, not our 30 s backoff
        time_passes(django_capture_on_commit_callbacks)
        limited.refresh_from_db()
        assert (limited.state, limited.attempts) == ("delivered", 2)

        # A channel the bot cannot see, or a revoked token: trying again will not mend it.
        SlackConnection.objects.filter(pk=connection.pk).update(channel="C0NOWHERE")
        lost = assign()
        assert lost.state == "failed" and "channel_not_found" in lost.last_error
        SlackConnection.objects.filter(pk=connection.pk).update(
            channel="C0SUPPORT", secret={"bot_token": "xoxb-revoked-token"}
        )
        revoked = assign()
        assert revoked.state == "failed" and "invalid_auth" in revoked.last_error
        assert time_passes(django_capture_on_commit_callbacks) == 0
        assert [r["status"] for r in slack.requests] == [429, 200, 200, 200]
        assert len(slack.posts) == 1


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_manager_connects_a_bot_and_sends_a_test_message(
    slack, client, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    missing = client.post("/settings/slack/", {"method": "bot", "enabled": "on"})
    assert missing.status_code == 200
    assert b"A bot token is needed" in missing.content and b"The channel the bot" in missing.content
    saved = client.post(
        "/settings/slack/",
        {"method": "bot", "bot_token": BOT_TOKEN, "channel": "C0SUPPORT", "enabled": "on"},
    )
    assert saved.status_code == 302
    page = client.get("/settings/slack/").content.decode()
    assert BOT_TOKEN not in page  # a secret: never shown again
    assert "bot token, channel <code>C0SUPPORT</code>" in page
    # Saved again without retyping the token: the saved one is kept.
    client.post("/settings/slack/", {"method": "bot", "channel": "C0SUPPORT", "enabled": "on"})
    assert SlackConnection.objects.get().bot_token == BOT_TOKEN

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/slack/test/")
    assert response.status_code == 302
    [post] = slack.posts
    assert post["channel"] == "C0SUPPORT"
    assert post["text"].startswith("Switchboard is connected (test by Maria")
    assert "A test message" in client.get("/settings/slack/").content.decode()
