"""SLA due times in business time, badges, escalation by time triggers."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from inbox import conversations as ops
from inbox.models import AuditEvent, Conversation, ConversationKind, Direction, Message
from rules import sla
from rules.classify_inbound import classify_message
from rules.models import BusinessHours, Rule, SlaPolicy, Trigger
from rules.timers import run_time_triggers
from tests.support import factories

pytestmark = pytest.mark.django_db

OFFICE = {str(d): [["09:00", "17:00"]] for d in range(5)}


@pytest.fixture
def office():
    return BusinessHours.objects.create(name="Office", timezone="Europe/Tallinn", schedule=OFFICE)


def test_most_specific_policy_wins():
    SlaPolicy.objects.create(name="Default", first_response_minutes=60)
    SlaPolicy.objects.create(name="DMs", conversation_kind="dm", first_response_minutes=30)
    SlaPolicy.objects.create(
        name="Testchat DMs",
        channel_kind="testchat",
        conversation_kind="dm",
        first_response_minutes=15,
    )
    SlaPolicy.objects.create(
        name="Off", channel_kind="testchat", conversation_kind="dm", enabled=False
    )
    dm = factories.make_conversation(kind=ConversationKind.DM)
    comment = factories.make_conversation()
    assert sla.policy_for(dm).name == "Testchat DMs"
    assert sla.policy_for(comment).name == "Default"


def test_first_response_due_in_business_time_across_the_dst_change(office):
    SlaPolicy.objects.create(name="Default", first_response_minutes=60)
    # Friday 24 Oct 2025 16:30 Tallinn (EEST); due Monday 27 Oct 09:30 (EET) = 07:30 UTC.
    conversation = factories.make_conversation(at=datetime(2025, 10, 24, 13, 30, tzinfo=UTC))
    assert sla.refresh_due(conversation) == datetime(2025, 10, 27, 7, 30, tzinfo=UTC)
    assert Conversation.objects.get(pk=conversation.pk).sla_due_at == conversation.sla_due_at


def test_calendar_clock_policy_ignores_business_hours(office):
    SlaPolicy.objects.create(name="X", first_response_minutes=60, business_time=False)
    at = datetime(2025, 10, 24, 20, 0, tzinfo=UTC)
    conversation = factories.make_conversation(at=at)
    assert sla.compute_due(conversation) == at + timedelta(hours=1)


def test_next_response_counts_from_the_first_message_after_our_answer(
    agent, django_assert_num_queries
):
    SlaPolicy.objects.create(name="Default", first_response_minutes=60, next_response_minutes=30)
    conversation = factories.make_conversation(at=timezone.now() - timedelta(hours=2))
    answer = ops.conversation_reply(conversation=conversation, text="On it", actor=agent)
    assert sla.compute_due(conversation) is not None  # queued is not answered yet
    ops.reply_landed(answer.actions.get())  # what the outbox does once it is posted
    conversation.refresh_from_db()
    assert sla.compute_due(conversation) is None  # answered: pending, nobody waits
    later = timezone.now() + timedelta(minutes=1)
    Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        external_id="m-later",
        direction=Direction.INBOUND,
        text="And?",
        platform_timestamp=later,
    )
    Conversation.objects.filter(pk=conversation.pk).update(state="open")
    conversation.refresh_from_db()
    assert sla.compute_due(conversation) == later + timedelta(minutes=30)
    # The worker asks this of every customer message: one statement.
    with django_assert_num_queries(1):
        assert sla.waiting_since(conversation) == (later, False)


def test_badges_and_folders():
    now = timezone.now()
    breached = factories.make_conversation(sla_due_at=now - timedelta(minutes=1))
    soon = factories.make_conversation(sla_due_at=now + timedelta(minutes=5))
    fine = factories.make_conversation(sla_due_at=now + timedelta(hours=1))
    answered = factories.make_conversation(sla_due_at=now - timedelta(hours=1), state="pending")
    assert [sla.status(c, now) for c in (breached, soon, fine, answered)] == [
        "breached",
        "due_soon",
        "on_time",
        "",
    ]
    assert list(Conversation.objects.filter(sla.breached_q(now))) == [breached]
    assert list(Conversation.objects.filter(sla.due_soon_q(now))) == [soon]
    assert sla.clear_answered() == 1


def test_first_response_time_in_business_time(office):
    SlaPolicy.objects.create(name="Default")
    conversation = factories.make_conversation(
        at=datetime(2025, 10, 24, 13, 30, tzinfo=UTC),  # Fri 16:30 EEST
        first_response_at=datetime(2025, 10, 27, 7, 15, tzinfo=UTC),
    )  # Mon 09:15 EET
    assert sla.first_response_time(conversation) == timedelta(minutes=45)
    assert sla.first_response_time(conversation, business=False) == timedelta(
        days=2, hours=17, minutes=45
    )


def test_idle_rule_fires_once_per_wait():
    Rule.objects.create(
        name="Nudge",
        trigger=Trigger.IDLE,
        minutes=30,
        conditions={},
        actions=[{"type": "add_tag", "value": "Waiting"}],
    )
    now = timezone.now()
    waiting = factories.make_conversation(at=now - timedelta(minutes=45))
    recent = factories.make_conversation(at=now - timedelta(minutes=10))
    assert run_time_triggers(now) == 1
    assert run_time_triggers(now + timedelta(minutes=5)) == 0
    assert list(waiting.tags.values_list("name", flat=True)) == ["Waiting"]
    assert not recent.tags.exists()
    # The customer writes again and waits again: the rule may fire again.
    Conversation.objects.filter(pk=waiting.pk).update(last_inbound_at=now + timedelta(minutes=6))
    hits = AuditEvent.objects.filter(verb="rule_matched", rule_name="Nudge")
    assert run_time_triggers(now + timedelta(minutes=40)) == 2  # both wait 30+ minutes now
    assert sorted(hits.values_list("conversation_id", flat=True)) == sorted(
        [waiting.pk, waiting.pk, recent.pk]
    )


def test_breached_sla_escalates_once():
    Rule.objects.create(
        name="Escalate",
        trigger=Trigger.SLA_BREACHED,
        conditions={"type": "text_contains_any", "value": ["refund"]},
        actions=[{"type": "set_priority", "value": "urgent"}],
    )
    Rule.objects.create(
        name="Warn",
        trigger=Trigger.SLA_DUE_SOON,
        minutes=15,
        conditions={},
        actions=[{"type": "add_tag", "value": "Due soon"}],
    )
    now = timezone.now()
    late = factories.make_conversation(
        text="Where is my refund?", sla_due_at=now - timedelta(minutes=1)
    )
    soon = factories.make_conversation(text="hello", sla_due_at=now + timedelta(minutes=10))
    factories.make_conversation(text="refund", sla_due_at=now + timedelta(hours=2))
    assert run_time_triggers(now) == 2
    assert run_time_triggers(now + timedelta(seconds=30)) == 0
    assert Conversation.objects.get(pk=late.pk).priority == "urgent"
    assert list(soon.tags.values_list("name", flat=True)) == ["Due soon"]


def test_each_message_gets_a_language_and_intent_and_the_conversation_shows_them():
    conversation = factories.make_conversation(text="Wo ist meine Bestellung? Seit zwei Wochen!")
    first = conversation.messages.get()
    classify_message(first)
    conversation.refresh_from_db()
    first.refresh_from_db()
    assert conversation.language == first.extra["language"] == "de"
    assert conversation.intent == first.extra["intent"] != ""
    shown = conversation.intent
    ok = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        external_id="ok",
        direction=Direction.INBOUND,
        text="ok",
        platform_timestamp=timezone.now(),
    )
    classify_message(ok)
    conversation.refresh_from_db()
    assert conversation.intent == shown  # "ok" says nothing: the intent stays


def test_due_soon_is_the_policys_for_the_badge_and_the_rule_trigger(client, agent):
    """One SLA state: the policy's due_soon_minutes decide the inbox badge and a "due soon"
    rule without minutes of its own, and they agree with `sla.status`."""
    from django.urls import reverse

    SlaPolicy.objects.create(
        name="Comments",
        conversation_kind="comment",
        first_response_minutes=35,
        due_soon_minutes=30,
        business_time=False,
    )
    SlaPolicy.objects.create(
        name="DMs",
        conversation_kind="dm",
        first_response_minutes=35,
        due_soon_minutes=10,
        business_time=False,
    )
    Rule.objects.create(
        name="Warn",
        trigger=Trigger.SLA_DUE_SOON,
        conditions={},
        actions=[{"type": "add_tag", "value": "Due soon"}],
    )
    # Both customers wrote 5 minutes ago: due in 30 minutes.
    comment = factories.make_conversation(kind=ConversationKind.COMMENT, text="where?")
    dm = factories.make_conversation(kind=ConversationKind.DM, text="hello?")
    for conversation in (comment, dm):
        sla.refresh_due(conversation)
        conversation.refresh_from_db()
    assert sla.status(comment) == "due_soon"  # within its policy's 30 minutes
    assert sla.status(dm) == "on_time"  # 30 minutes left, warned at 10

    client.force_login(agent)
    page = client.get(reverse("inbox:inbox")).content.decode()

    def row(conversation) -> str:
        start = page.index(f'id="row-{conversation.pk}"')
        end = page.find('id="row-', start + 1)
        return page[start : end if end > 0 else None]

    assert "sla sla-soon" in row(comment) and "sla sla-ok" in row(dm)
    # The "SLA due soon" folder holds exactly what the badge calls due soon.
    folder = client.get(reverse("inbox:inbox"), {"folder": "sla_due_soon"}).content.decode()
    assert f'id="row-{comment.pk}"' in folder and f'id="row-{dm.pk}"' not in folder
    assert (
        f'id="row-{comment.pk}"'
        not in client.get(reverse("inbox:inbox"), {"folder": "sla_breached"}).content.decode()
    )

    assert run_time_triggers() == 1
    assert list(comment.tags.values_list("name", flat=True)) == ["Due soon"]
    assert not dm.tags.exists()
    # Twenty-one minutes later the DM is due soon too, and the rule fires once for it.
    later = timezone.now() + timedelta(minutes=21)
    assert run_time_triggers(later) == 1
    assert list(dm.tags.values_list("name", flat=True)) == ["Due soon"]


def test_a_breached_conversation_has_the_badge_and_is_in_the_breached_folder(client, agent):
    from django.urls import reverse

    SlaPolicy.objects.create(
        name="Fast", first_response_minutes=3, due_soon_minutes=1, business_time=False
    )
    late = factories.make_conversation(text="hello?")  # wrote 5 minutes ago: 2 minutes late
    sla.refresh_due(late)
    late.refresh_from_db()
    assert sla.status(late) == "breached"
    client.force_login(agent)
    folder = client.get(reverse("inbox:inbox"), {"folder": "sla_breached"}).content.decode()
    assert f'id="row-{late.pk}"' in folder and "sla sla-breached" in folder
    soon = client.get(reverse("inbox:inbox"), {"folder": "sla_due_soon"}).content.decode()
    assert f'id="row-{late.pk}"' not in soon
