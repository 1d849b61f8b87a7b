"""The outbox posts each reply exactly once, through timeouts, rate limits and dead tokens.

The platform here is the Testchat stand-in on real local HTTP, so timeouts are real socket
timeouts and the "did it land?" check is a real request.
"""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import channels, conversations, outbox
from inbox.connectors import Capability
from inbox.ingest import process_event
from inbox.models import (
    ActionState,
    ChannelStatus,
    DeliveryStatus,
    InboundEvent,
    Message,
    OutboundAction,
)
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform(testchat_platform):
    return testchat_platform


@pytest.fixture
def conversation(platform):
    channel = factories.make_channel("testchat", api_base_url=platform.url, config={"timeout": 0.5})
    channel.credentials = {"access_token": "tok"}
    channel.save()
    return factories.make_conversation(channel, text="Where is my parcel?")


def reply(conversation, agent, text="We are on it!"):
    message = conversations.conversation_reply(conversation=conversation, text=text, actor=agent)
    return message, OutboundAction.objects.get(message=message)


def make_due(action):
    OutboundAction.objects.filter(pk=action.pk).update(not_before=timezone.now())


def test_reply_is_posted_and_recorded(conversation, platform, agent):
    message, action = reply(conversation, agent)
    conversation.refresh_from_db()
    assert conversation.state == "open"  # queued is not answered

    outbox.run_action(action.pk)

    action.refresh_from_db()
    message.refresh_from_db()
    assert action.state == ActionState.DONE
    assert [p["text"] for p in platform.posts] == ["We are on it!"]
    assert message.external_id == platform.posts[0]["id"] == action.external_id
    assert message.delivery_status == DeliveryStatus.POSTED
    conversation.refresh_from_db()
    assert conversation.state == "pending"
    assert conversation.first_response_at is not None


def test_running_an_action_twice_posts_once(conversation, platform, agent):
    _, action = reply(conversation, agent)
    outbox.run_action(action.pk)
    outbox.run_action(action.pk)
    assert len(platform.posts) == 1


def test_timeout_after_the_platform_accepted_is_not_posted_twice(conversation, platform, agent):
    message, action = reply(conversation, agent)
    platform.inject("timeout_after_accept", seconds=1.5)

    outbox.run_action(action.pk)

    action.refresh_from_db()
    assert action.state == ActionState.QUEUED
    assert "timeout" in action.last_error
    assert action.not_before > timezone.now()
    assert len(platform.posts) == 1  # it landed, we just never heard back

    make_due(action)
    outbox.run_action(action.pk)

    action.refresh_from_db()
    message.refresh_from_db()
    assert action.state == ActionState.DONE
    assert action.attempts == 2
    assert len(platform.posts) == 1
    assert message.external_id == platform.posts[0]["id"]
    assert ("GET", "/messages") in platform.calls  # it looked before posting again


def test_rate_limit_delays_until_the_platform_says(conversation, platform, agent):
    _, action = reply(conversation, agent)
    retry_at = int(time.time()) + 120
    platform.inject("rate_limited", retry_at=retry_at)

    outbox.run_action(action.pk)

    action.refresh_from_db()
    assert action.state == ActionState.QUEUED
    assert action.not_before.timestamp() == retry_at
    assert outbox.run_action(action.pk) is None  # not before its time
    assert platform.posts == []

    make_due(action)
    outbox.run_action(action.pk)
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(platform.posts) == 1


def test_outage_backs_off_and_never_drops(conversation, platform, agent):
    _, action = reply(conversation, agent)
    platform.inject("500")
    platform.inject("500")

    for _ in range(2):
        outbox.run_action(action.pk)
        action.refresh_from_db()
        assert action.state == ActionState.QUEUED
        make_due(action)
        # Held by the outage, the customer has no answer yet: none is counted.
        conversation.refresh_from_db()
        assert conversation.first_response_at is None
    before = timezone.now()
    outbox.run_action(action.pk)

    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(platform.posts) == 1
    conversation.refresh_from_db()
    assert conversation.first_response_at >= before  # answered when it landed


def test_expired_token_holds_the_channel_queue_until_reconnected(conversation, platform, agent):
    message, action = reply(conversation, agent)
    _, second = reply(conversation, agent, text="And another thing")
    platform.inject("expired")

    outbox.run_action(action.pk)

    conversation.channel.refresh_from_db()
    assert conversation.channel.status == ChannelStatus.NEEDS_RECONNECT
    assert set(OutboundAction.objects.values_list("state", flat=True)) == {ActionState.HELD}
    assert outbox.run_action(second.pk) is None
    assert platform.posts == []

    released = channels.reconnect(conversation.channel, credentials={"access_token": "new"})
    assert released == 2
    for pending in (action, second):
        outbox.run_action(pending.pk)
    assert sorted(p["text"] for p in platform.posts) == ["And another thing", "We are on it!"]
    assert OutboundAction.objects.filter(state=ActionState.DONE).count() == 2


def test_refusal_is_shown_with_its_reason_and_can_be_retried(conversation, platform, agent):
    message, action = reply(conversation, agent)
    platform.inject("refused", message="the 24-hour window has closed")

    outbox.run_action(action.pk)

    action.refresh_from_db()
    message.refresh_from_db()
    assert action.state == ActionState.FAILED
    assert action.last_error == "the 24-hour window has closed"
    assert message.delivery_status == DeliveryStatus.FAILED
    assert platform.posts == []

    outbox.retry_failed(action, user=agent)
    outbox.run_action(action.pk)
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(platform.posts) == 1


def test_echo_that_overtakes_the_response_is_merged(conversation, platform, agent):
    from tests.support.testchat_events import event

    message, action = reply(conversation, agent)
    # The echo of the post the platform is about to make arrives before perform() returns.
    echo = event(
        "p1000",
        thread=conversation.external_thread_id,
        text="We are on it!",
        echo=True,
        author=conversation.channel.external_id,
    )
    stored = InboundEvent.objects.create(
        channel_kind="testchat", delivery_key="echo", channel=conversation.channel, payload=echo
    )
    process_event(stored.pk)
    assert Message.objects.filter(external_id="p1000", sent_natively=True).exists()

    outbox.run_action(action.pk)

    message.refresh_from_db()
    assert message.external_id == "p1000"
    assert conversation.messages.filter(direction="out").count() == 1


def test_unsupported_action_is_refused_before_queueing(conversation, agent):
    target = conversation.messages.get()
    assert not conversation.channel.connector.supports(Capability.UNHIDE)
    with pytest.raises(outbox.NotSupported):
        conversations.message_act(message=target, kind="unhide", actor=agent)
    assert OutboundAction.objects.count() == 0


def test_like_marks_the_message_once_done(conversation, platform, agent):
    target = conversation.messages.get()
    action = conversations.message_act(message=target, kind="like", actor=agent)
    outbox.run_action(action.pk)
    target.refresh_from_db()
    assert target.liked is True
    assert ("POST", f"/messages/{target.external_id}/like") in platform.calls


def test_sweep_requeues_actions_of_a_dead_worker(conversation, platform, agent):
    _, action = reply(conversation, agent)
    OutboundAction.objects.filter(pk=action.pk).update(
        state=ActionState.SENDING,
        attempts=1,
        last_attempt_at=timezone.now() - timedelta(minutes=10),
    )

    due = outbox.actions_due_for_sweep()

    assert action.pk in due
    outbox.run_action(action.pk)
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(platform.posts) == 1


# ---- nothing leaves Open unless it was answered ----------------------------------------------


def state_of(conversation) -> str:
    conversation.refresh_from_db()
    return conversation.state


def test_a_held_reply_keeps_the_conversation_open_with_the_reason(conversation, platform, agent):
    message, action = reply(conversation, agent)
    platform.inject("expired")

    outbox.run_action(action.pk)

    action.refresh_from_db()
    assert action.state == ActionState.HELD
    assert action.reason == "Testchat disconnected — an admin must reconnect"
    assert not outbox.can_retry(action)  # only reconnecting can help
    assert state_of(conversation) == "open"

    channels.reconnect(conversation.channel, credentials={"access_token": "new"})
    outbox.run_action(action.pk)
    assert len(platform.posts) == 1
    assert state_of(conversation) == "pending"


def test_a_rate_limited_reply_says_when_it_sends(conversation, platform, agent, settings):
    settings.TIME_ZONE = "UTC"
    _, action = reply(conversation, agent)
    retry_at = int(time.time()) + 600
    platform.inject("rate_limited", retry_at=retry_at)

    outbox.run_action(action.pk)

    action.refresh_from_db()
    at = time.strftime("%H:%M", time.gmtime(retry_at))
    assert action.reason == f"waiting for Testchat's rate limit, sends at {at}"
    assert state_of(conversation) == "open"


def test_a_failed_reply_stays_open_and_a_retry_answers_it(conversation, platform, agent):
    _, action = reply(conversation, agent)
    platform.inject("refused", message="the 24-hour window has closed")
    outbox.run_action(action.pk)
    action.refresh_from_db()
    assert action.reason == "the 24-hour window has closed"
    assert state_of(conversation) == "open"

    outbox.retry_failed(action, user=agent)
    outbox.run_action(action.pk)
    action.refresh_from_db()
    assert (action.state, action.reason) == (ActionState.DONE, "")
    assert state_of(conversation) == "pending"


def test_send_and_close_closes_when_it_lands_not_before(conversation, platform, agent):
    message = conversations.conversation_reply(
        conversation=conversation, text="Done!", actor=agent, close=True
    )
    assert state_of(conversation) == "open"
    outbox.run_action(OutboundAction.objects.get(message=message).pk)
    assert state_of(conversation) == "closed"


def test_a_customer_who_wrote_again_meanwhile_keeps_it_open(conversation, platform, agent):
    _, action = reply(conversation, agent)
    from inbox.models import Conversation

    Conversation.objects.filter(pk=conversation.pk).update(
        last_inbound_at=timezone.now() + timedelta(seconds=1)
    )
    outbox.run_action(action.pk)
    assert len(platform.posts) == 1
    assert state_of(conversation) == "open"


# ---- one message's actions, and one conversation's replies, land in the order queued ---------


def test_a_later_action_on_a_message_waits_for_the_earlier_and_follows_it(
    conversation, platform, agent, django_capture_on_commit_callbacks
):
    """Two workers can take "like" and "hide" of one comment at once; the hide that starts
    first must not reach the platform before the like the agent asked for first."""
    target = conversation.messages.get()
    like = conversations.message_act(message=target, kind="like", actor=agent)
    hide = conversations.message_act(message=target, kind="hide", actor=agent)

    assert outbox.run_action(hide.pk) is None  # its worker got there first, and waits
    hide.refresh_from_db()
    assert hide.state == ActionState.QUEUED and hide.attempts == 0
    assert platform.calls == []

    with django_capture_on_commit_callbacks(execute=True):
        outbox.run_action(like.pk)  # finishing, it queues the hide (eager in tests)

    assert [path for _, path in platform.calls] == [
        f"/messages/{target.external_id}/like",
        f"/messages/{target.external_id}/hide",
    ]
    target.refresh_from_db()
    assert target.liked and target.hidden
    assert set(OutboundAction.objects.values_list("state", flat=True)) == {ActionState.DONE}


def test_a_failed_action_does_not_hold_back_the_next_on_its_message(
    conversation, platform, agent, django_capture_on_commit_callbacks
):
    target = conversation.messages.get()
    like = conversations.message_act(message=target, kind="like", actor=agent)
    hide = conversations.message_act(message=target, kind="hide", actor=agent)
    platform.inject("refused", message="the comment is gone")

    with django_capture_on_commit_callbacks(execute=True):
        outbox.run_action(like.pk)

    like.refresh_from_db()
    hide.refresh_from_db()
    assert like.state == ActionState.FAILED
    assert hide.state == ActionState.DONE


def test_a_rate_limited_action_keeps_the_next_on_its_message_waiting(conversation, platform, agent):
    target = conversation.messages.get()
    like = conversations.message_act(message=target, kind="like", actor=agent)
    hide = conversations.message_act(message=target, kind="hide", actor=agent)
    platform.inject("rate_limited", retry_at=int(time.time()) + 300)

    outbox.run_action(like.pk)
    outbox.run_action(hide.pk)

    assert [path.rsplit("/", 1)[1] for _, path in platform.calls] == ["like"]
    hide.refresh_from_db()
    assert hide.state == ActionState.QUEUED and hide.attempts == 0


def test_a_conversations_replies_reach_the_platform_in_the_order_sent(
    conversation, platform, agent, django_capture_on_commit_callbacks
):
    _, first = reply(conversation, agent, text="Let me check.")
    _, second = reply(conversation, agent, text="Found it: it ships tomorrow.")

    assert outbox.run_action(second.pk) is None
    with django_capture_on_commit_callbacks(execute=True):
        outbox.run_action(first.pk)

    assert [p["text"] for p in platform.posts] == ["Let me check.", "Found it: it ships tomorrow."]


def test_actions_on_different_messages_do_not_wait_for_each_other(conversation, platform, agent):
    target = conversation.messages.get()
    other = factories.make_conversation(conversation.channel, text="Love it").messages.get()
    conversations.message_act(message=target, kind="like", actor=agent)
    hide_other = conversations.message_act(message=other, kind="hide", actor=agent)

    outbox.run_action(hide_other.pk)

    hide_other.refresh_from_db()
    assert hide_other.state == ActionState.DONE
