"""The SLA due time follows the conversation's state: due anew when reopened, cleared when done.

inbox.conversations calls its state_listeners; the rules app registers the SLA one there.
"""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from inbox import conversations as ops
from inbox.models import Conversation
from rules.models import BusinessHours, SlaPolicy
from tests.support import factories

pytestmark = pytest.mark.django_db

FRIDAY_1650 = datetime(2026, 3, 6, 16, 50, tzinfo=UTC)


@pytest.fixture
def policy():
    return SlaPolicy.objects.create(
        name="All", first_response_minutes=60, next_response_minutes=30, business_time=False
    )


def answered_and_closed(**fields):
    convo = factories.make_conversation(state="closed", **fields)
    Conversation.objects.filter(pk=convo.pk).update(
        first_response_at=convo.first_inbound_at + timedelta(minutes=3)
    )
    return Conversation.objects.select_related("channel").get(pk=convo.pk)


def stored_due(convo):
    return Conversation.objects.values_list("sla_due_at", flat=True).get(pk=convo.pk)


def test_reopening_by_hand_starts_the_next_response_clock_now(policy, agent):
    convo = answered_and_closed()
    before = timezone.now()
    ops.conversation_reopen(conversation=convo, actor=agent)
    after = timezone.now()
    due = stored_due(convo)
    assert before + timedelta(minutes=30) <= due <= after + timedelta(minutes=30)
    assert convo.sla_due_at == due


def test_reopening_counts_business_time(monkeypatch, agent):
    """Friday 16:50 + 30 minutes of a Mon–Fri 09–17 week is Monday 09:20."""
    hours = BusinessHours.objects.create(
        name="Office", timezone="UTC", schedule={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    SlaPolicy.objects.create(name="Office", next_response_minutes=30, business_hours=hours)
    convo = answered_and_closed()
    monkeypatch.setattr(timezone, "now", lambda: FRIDAY_1650)
    ops.conversation_reopen(conversation=convo, actor=agent)
    assert stored_due(convo) == datetime(2026, 3, 9, 9, 20, tzinfo=UTC)


def test_never_answered_gets_the_first_response_target(policy, agent):
    convo = factories.make_conversation(state="closed")
    ops.conversation_reopen(conversation=convo, actor=agent)
    assert stored_due(convo) - timezone.now() > timedelta(minutes=55)


def test_closing_answering_and_snoozing_clear_it(
    policy, agent, testchat_channel, django_capture_on_commit_callbacks
):
    due = timezone.now() + timedelta(minutes=20)
    for operation in (
        lambda c: ops.conversation_close(conversation=c, rule_name="Insults"),
        lambda c: ops.conversation_reply(conversation=c, text="Thanks!", actor=agent),
        lambda c: ops.conversation_snooze(
            conversation=c, actor=agent, until=timezone.now() + timedelta(hours=1)
        ),
    ):
        convo = factories.make_conversation(testchat_channel, sla_due_at=due)
        # The reply is an answer once it lands: the eager outbox posts it after commit.
        with django_capture_on_commit_callbacks(execute=True):
            operation(convo)
        assert stored_due(convo) is None


def test_a_reply_that_has_not_landed_keeps_the_clock(policy, agent):
    due = timezone.now() + timedelta(minutes=20)
    convo = factories.make_conversation(sla_due_at=due)
    ops.conversation_reply(conversation=convo, text="Thanks!", actor=agent)  # only queued
    assert stored_due(convo) == due


def test_a_snooze_that_ends_is_due_again(policy, agent):
    convo = answered_and_closed()
    Conversation.objects.filter(pk=convo.pk).update(
        state="snoozed", snoozed_until=timezone.now() - timedelta(minutes=1)
    )
    assert ops.wake_snoozed() == 1
    assert stored_due(convo) > timezone.now() + timedelta(minutes=25)


def test_reopening_an_open_conversation_keeps_its_due_time(policy, agent):
    due = timezone.now() + timedelta(minutes=5)
    convo = factories.make_conversation(sla_due_at=due)
    ops.conversation_reopen(conversation=convo, actor=agent)
    assert stored_due(convo) == due


def test_without_a_policy_nothing_is_due(agent):
    convo = answered_and_closed()
    ops.conversation_reopen(conversation=convo, actor=agent)
    assert stored_due(convo) is None


def test_a_failing_listener_does_not_undo_the_agents_change(policy, agent, monkeypatch):
    def broken(conversation, old, new):
        Conversation.objects.filter(pk=conversation.pk).update(priority="urgent")
        raise RuntimeError("listener bug")

    monkeypatch.setattr(ops, "state_listeners", [broken, *ops.state_listeners])
    convo = answered_and_closed()
    ops.conversation_reopen(conversation=convo, actor=agent)
    convo.refresh_from_db()
    assert convo.state == "open" and convo.priority == "normal"  # its write rolled back
    assert convo.sla_due_at is not None  # the SLA listener after it still ran


def test_inbox_does_not_import_rules():
    for path in (Path(__file__).resolve().parents[2] / "inbox").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n == "rules" or n.startswith("rules.") for n in names), path
