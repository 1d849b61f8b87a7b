"""Each action, through the same operations and outbox an agent uses."""

import json
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from accounts.models import Team
from inbox import conversations
from inbox.connectors import Capability, Connector, registry
from inbox.models import (
    AuditEvent,
    Conversation,
    ConversationKind,
    Message,
    OutboundAction,
    SavedReply,
)
from rules import engine
from rules.models import BusinessHours, Rule
from rules.routing import round_robin_pick
from slack.models import SlackMessage
from switchboard.standin_server import served
from tests.support import factories
from webhooks_out.models import Delivery

pytestmark = pytest.mark.django_db


def run_actions(conversation, *actions, message=None, name="Test rule"):
    Rule.objects.all().delete()  # the only rule: these actions
    Rule.objects.create(name=name, conditions={}, actions=list(actions))
    message = message or conversation.messages.order_by("id").first()
    hits = engine.run_rules(trigger="new_message", conversation=conversation, message=message)
    return hits[0].outcomes


def fresh(conversation):
    return Conversation.objects.get(pk=conversation.pk)


def test_add_and_remove_tag():
    conversation = factories.make_conversation()
    assert run_actions(
        conversation,
        {"type": "add_tag", "value": "Payment"},
        {"type": "add_tag", "value": "Payment"},
        {"type": "remove_tag", "value": "Payment"},
    ) == ["tagged Payment", "add_tag skipped: already tagged Payment", "removed tag Payment"]
    verbs = list(
        AuditEvent.objects.filter(conversation=conversation, rule_name="Test rule").values_list(
            "verb", flat=True
        )
    )
    assert verbs == ["rule_matched", "tagged", "untagged"]


def test_assign_to_an_agent(agent):
    conversation = factories.make_conversation()
    assert run_actions(conversation, {"type": "assign", "value": "Anna"}) == ["assigned to Anna"]
    assert fresh(conversation).assignee == agent


def test_priority_close_snooze_and_spam():
    first = factories.make_conversation()
    assert run_actions(first, {"type": "set_priority", "value": "urgent"}, {"type": "close"}) == [
        "priority urgent",
        "closed",
    ]
    assert (fresh(first).priority, fresh(first).state) == ("urgent", "closed")
    second = factories.make_conversation()
    assert run_actions(second, {"type": "snooze", "value": 30}, name="Snoozer") == [
        "snoozed for 30 minutes"
    ]
    assert fresh(second).state == "snoozed" and fresh(second).snoozed_until is not None
    third = factories.make_conversation()
    assert run_actions(third, {"type": "mark_spam"}, name="Spam") == ["marked as spam"]
    assert fresh(third).is_spam and fresh(third).state == "closed"


def test_like_and_hide_go_through_the_outbox():
    conversation = factories.make_conversation(factories.make_channel("testchat"))
    assert run_actions(conversation, {"type": "like"}, {"type": "hide"}) == ["liked", "hidden"]
    kinds = OutboundAction.objects.filter(conversation=conversation, rule_name="Test rule")
    assert sorted(kinds.values_list("kind", flat=True)) == ["hide", "like"]


class NoModeration(Connector):
    kind = "rules-test-nomod"
    platform = "rules-test-nomod"
    label = "Nomod"
    capabilities = frozenset({Capability.REPLY})


@pytest.fixture
def limited_channel():
    registry.register(NoModeration())
    yield factories.make_channel(NoModeration.kind)
    registry._connectors.pop(NoModeration.kind)


def test_what_the_platform_cannot_do_is_skipped_not_attempted(limited_channel):
    SavedReply.objects.create(title="Hi", body="Hello!")
    dm = factories.make_conversation(limited_channel, kind=ConversationKind.DM)
    assert run_actions(
        dm,
        {"type": "hide"},
        {"type": "reply", "value": "Hi"},
        {"type": "private_reply", "value": "Hi"},
        {"type": "close"},
    ) == [
        "hide skipped: Nomod cannot hide",
        "reply skipped: Nomod cannot answer this publicly",
        "private_reply skipped: Nomod cannot answer this privately",
        "closed",
    ]
    assert not OutboundAction.objects.exists()


def test_saved_reply_is_filled_marked_automatic_and_sent_once():
    SavedReply.objects.create(title="Thanks", body="Thanks, {first_name}! {unknown}")
    conversation = factories.make_conversation(customer="Kadri Tamm")
    assert run_actions(
        conversation, {"type": "reply", "value": "thanks"}, {"type": "reply", "value": "Thanks"}
    ) == ["replied publicly with 'Thanks'", "reply skipped: already answered automatically once"]
    ours = Message.objects.get(conversation=conversation, direction="out")
    assert (ours.text, ours.is_automatic) == ("Thanks, Kadri! {unknown}", True)
    assert OutboundAction.objects.get(message=ours).rule_name == "Test rule"
    # The automatic answer counts as the first response once it lands.
    assert fresh(conversation).first_response_at is None
    conversations.reply_landed(OutboundAction.objects.get(message=ours))
    assert fresh(conversation).first_response_at is not None


def test_reply_only_outside_business_hours():
    SavedReply.objects.create(title="Away", body="We are away")
    BusinessHours.objects.create(
        name="Office",
        timezone="Europe/Tallinn",
        schedule={str(d): [["09:00", "17:00"]] for d in range(5)},
    )
    office = factories.make_conversation(at=datetime(2025, 10, 24, 9, 0, tzinfo=UTC))
    night = factories.make_conversation(at=datetime(2025, 10, 24, 20, 0, tzinfo=UTC))
    rule = {"type": "reply", "value": "Away", "outside_hours_only": True}
    assert run_actions(office, rule) == ["reply skipped: within business hours"]
    assert run_actions(night, rule) == ["replied publicly with 'Away'"]


def make_team(*agents, name="Support"):
    team = Team.objects.create(name=name)
    team.members.add(*agents)
    return team


def test_round_robin_takes_turns_fairly(agent, agent2):
    third = factories.make_user("carl", first_name="Carl")
    team = make_team(agent, agent2, third)
    picks = [round_robin_pick(team).username for _ in range(9)]
    assert picks == ["anna", "boris", "carl"] * 3


def test_round_robin_skips_unavailable_agents_and_full_caps(agent, agent2):
    third = factories.make_user("carl", first_name="Carl", max_open_conversations=1)
    team = make_team(agent, agent2, third)
    agent2.is_available = False
    agent2.save()
    factories.make_conversation(assignee=third)  # Carl is at his cap of one
    assert [round_robin_pick(team).username for _ in range(3)] == ["anna"] * 3
    agent.is_available = False
    agent.save()
    assert round_robin_pick(team) is None


def test_round_robin_action_assigns_within_the_team(agent, agent2):
    make_team(agent, agent2)
    owners = []
    for n in range(4):
        conversation = factories.make_conversation()
        run_actions(
            conversation, {"type": "assign_round_robin", "value": "support"}, name=f"RR {n}"
        )
        owners.append(fresh(conversation).assignee.username)
    assert owners == ["anna", "boris", "anna", "boris"]
    assert fresh(conversation).team.name == "Support"


class Receiver:
    """Records what Slack's incoming webhook would receive; answers "ok" as Slack does."""

    def __init__(self):
        self.bodies = []

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.bodies.append((environ["PATH_INFO"], json.loads(environ["wsgi.input"].read(length))))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]


@pytest.fixture
def receiver():
    with served(Receiver()) as app:
        yield app


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)  # the receiver is on 127.0.0.1
def test_slack_and_webhook_are_posted_after_commit(receiver, django_capture_on_commit_callbacks):
    # Slack incoming webhook: POST {"text": ...}, answered "ok"
    # (https://api.slack.com/messaging/webhooks).
    conversation = factories.make_conversation(text="My card was charged twice <b>!</b>")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcomes = run_actions(
            conversation,
            {"type": "notify_slack", "value": f"{receiver.url}/slack"},
            {"type": "webhook", "value": f"{receiver.url}/hook"},
        )
        assert receiver.bodies == []  # nothing is sent before the commit
    assert outcomes == ["notified Slack", "called the webhook"]
    for callback in callbacks:
        callback()
    (slack_path, slack), (hook_path, hook) = receiver.bodies
    assert slack_path == "/slack"
    assert slack["text"].startswith("Rule 'Test rule' matched every item on Test channel")
    assert "&lt;b&gt;!&lt;/b&gt;" in slack["text"]  # customer text cannot inject Slack markup
    assert hook_path == "/hook"
    # Both stored rows, retried like every outgoing post, not fire-and-forget.
    assert SlackMessage.objects.get().state == Delivery.objects.get().state == "delivered"
    assert hook["type"] == "rule.matched"  # a webhooks_out delivery (docs/webhooks.md)
    assert hook["data"]["rule"] == "Test rule"
    assert hook["data"]["conversation"]["id"] == conversation.pk
    assert hook["data"]["message"]["text"] == "My card was charged twice <b>!</b>"


def test_bad_action_parameters_are_refused():
    from rules.registry import RuleError

    for bad in (
        {"type": "notify_slack", "value": "not a url"},
        {"type": "snooze", "value": -5},
        {"type": "set_priority", "value": "asap"},
        {"type": "teleport"},
    ):
        with pytest.raises(RuleError):
            engine.compile_actions([bad])
