"""The example response scheme, end to end: a signed webhook in, rules run after the
ingest commits, their actions posted through the outbox to the Testchat platform on real
HTTP, and the timeline explaining each change."""

import pytest

from inbox.models import (
    AuditEvent,
    Conversation,
    ConversationState,
    Message,
    OutboundAction,
)
from rules.models import Rule
from rules.seed import seed_rules
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def platform(testchat_platform):
    return testchat_platform


@pytest.fixture
def channel(platform):
    channel = factories.make_channel(
        "testchat",
        external_id=ACCOUNT,
        name="Polaris Page",
        api_base_url=platform.url,
        config={"timeout": 2},
    )
    seed_rules()
    return channel


def deliver(client, *events):
    assert post_events(client, *events).status_code == 200


def conversation_of(thread):
    return Conversation.objects.select_related("assignee").get(external_thread_id=thread)


def test_contains_pay_tags_payment_and_the_timeline_says_why(client, channel):
    deliver(client, event("c1", thread="t1", text="Can I PAY with PayPal?"))
    conversation = conversation_of("t1")
    assert list(conversation.tags.values_list("name", flat=True)) == ["Payment"]
    tagged = AuditEvent.objects.get(conversation=conversation, verb="tagged")
    assert (tagged.rule_name, tagged.data["tag"], tagged.data["reason"]) == (
        "Payments",
        "Payment",
        "matched 'pay'",
    )
    # It is also a question: "question → priority high".
    assert (conversation.language, conversation.intent, conversation.priority) == (
        "en",
        "question",
        "high",
    )
    assert Rule.objects.get(name="Payments").hit_count == 1


def test_chinese_goes_to_jack(client, channel):
    deliver(client, event("c1", thread="t1", text="我的订单什么时候到？"))
    conversation = conversation_of("t1")
    assert conversation.language == "zh"
    assert conversation.assignee.username == "jack"
    assigned = AuditEvent.objects.get(conversation=conversation, verb="assigned")
    assert assigned.rule_name == "Chinese to Jack"
    # Assigned when the conversation starts; a later message does not assign it again.
    deliver(client, event("c2", thread="t1", text="谢谢", ts=1_700_000_100))
    assert AuditEvent.objects.filter(conversation=conversation, verb="assigned").count() == 1


def test_contains_urgent_tags_urgent(client, channel):
    deliver(client, event("c1", thread="t1", text="URGENT: my order arrived broken"))
    assert set(conversation_of("t1").tags.values_list("name", flat=True)) == {"Urgent"}


def test_insult_is_hidden_on_the_platform_and_closed(client, channel, platform):
    deliver(client, event("c1", thread="t1", text="You are idiots, worst company ever"))
    conversation = conversation_of("t1")
    assert conversation.intent == "insult"
    assert conversation.state == ConversationState.CLOSED
    assert ("POST", "/messages/c1/hide") in platform.calls
    assert Message.objects.get(external_id="c1").hidden
    hide = OutboundAction.objects.get(kind="hide")
    assert (hide.state, hide.rule_name) == ("done", "Insults")
    # "Stop after": the insult is not also treated as a payment question.
    assert not conversation.tags.exists()


def test_compliment_is_liked_and_thanked_once_and_the_echo_runs_nothing(client, channel, platform):
    deliver(client, event("c1", thread="t1", text="Love your products, amazing service!"))
    assert ("POST", "/messages/c1/like") in platform.calls
    thanks = [p for p in platform.posts if p["thread"] == "t1"]
    assert [p["text"] for p in thanks] == [
        "Thank you so much, Kadri! It means a lot to the whole team."
    ]
    ours = Message.objects.get(is_automatic=True)
    assert ours.external_id == thanks[0]["id"]
    hits = AuditEvent.objects.filter(verb="rule_matched").count()

    # The platform echoes our automatic reply back: it is ours, so no rule runs on it.
    deliver(
        client,
        event(thanks[0]["id"], thread="t1", text=thanks[0]["text"], echo=True, ts=1_700_000_050),
    )
    assert AuditEvent.objects.filter(verb="rule_matched").count() == hits

    # Another compliment in the same thread is liked, but not thanked a second time.
    deliver(client, event("c2", thread="t1", text="Thanks, love it!", ts=1_700_000_100))
    assert ("POST", "/messages/c2/like") in platform.calls
    assert len([p for p in platform.posts if p["thread"] == "t1"]) == 1
    hit = AuditEvent.objects.filter(verb="rule_matched", rule_name="Compliments").last()
    assert hit.data["actions"] == ["liked", "reply skipped: already answered automatically once"]


def test_a_priority_set_by_a_rule_picks_that_prioritys_sla_policy(client, channel):
    from datetime import timedelta

    from rules.models import SlaPolicy

    SlaPolicy.objects.create(name="Everyone", first_response_minutes=240, business_time=False)
    SlaPolicy.objects.create(
        name="High", priority="high", first_response_minutes=30, business_time=False
    )
    deliver(client, event("c1", thread="t1", text="Can I pay with PayPal?"))  # question → high
    conversation = conversation_of("t1")
    assert conversation.priority == "high"
    assert conversation.sla_due_at - conversation.first_inbound_at == timedelta(minutes=30)
