"""Under throttling, token expiry, 500s, timeouts and the 24-hour window: nothing is lost,
nothing is posted twice, and the action and channel say what happened.

Error codes: https://developers.facebook.com/docs/graph-api/guides/error-handling
Rate limits: https://developers.facebook.com/docs/graph-api/overview/rate-limiting
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import channels, ingest, outbox
from inbox.conversations import conversation_reply
from inbox.models import (
    ActionState,
    AuditEvent,
    ChannelStatus,
    Conversation,
    DeliveryStatus,
    EventState,
    InboundEvent,
    Message,
    OutboundAction,
)
from tests.support.facebook import graph_throttles_lift
from tests.support.instagram import (
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def incoming_comment(standin, text="Where is my order #4411? 😡", username="sam.hikes"):
    comment = standin.account.add_comment(text=text, username=username)
    conversation = wait_for(
        lambda: Conversation.objects.filter(external_thread_id=comment.id).first()
    )
    # Its delivery answered too: the media's context read in that request is over, so no
    # answer of it arrives after a test has made time pass (a usage header it carries would
    # count as Graph throttling the channel again; seen once on CI).
    settle(standin)
    return comment, conversation


def incoming_dm(standin, text="Hallo! Ist die Jacke wasserdicht?"):
    dm = standin.account.add_dm(text=text, username="katrin.vogel.hh", name="Katrin Vogel")
    conversation = wait_for(
        lambda: Conversation.objects.filter(external_thread_id=f"dm:{dm.igsid}").first()
    )
    settle(standin)  # as incoming_comment
    return dm, conversation


def time_passes() -> None:
    """What the clock and the beat sweep would do: due actions and events run again."""
    past = timezone.now() - timedelta(seconds=1)
    graph_throttles_lift()
    OutboundAction.objects.exclude(not_before=None).update(not_before=past)
    InboundEvent.objects.exclude(next_attempt_at=None).update(next_attempt_at=past)
    for action_id in outbox.actions_due_for_sweep():
        outbox.run_action(action_id)
    for event_id in ingest.events_due_for_sweep(grace=timedelta(0)):
        ingest.process_event(event_id)


def settle(standin) -> None:
    assert standin.webhooks.wait_idle(10)
    wait_for(lambda: not InboundEvent.objects.filter(state__in=["stored", "processing"]).exists())


def test_throttled_reply_waits_for_the_time_meta_gives_and_posts_once(ig_wired, agent):
    standin, channel = ig_wired
    comment, conversation = incoming_comment(standin)
    standin.inject("throttle", on="write", minutes=3)

    message = conversation_reply(conversation=conversation, text="Checking it now!", actor=agent)

    action = OutboundAction.objects.get()
    assert action.state == ActionState.QUEUED
    assert "rate limited" in action.last_error
    # estimated_time_to_regain_access (minutes) from X-Business-Use-Case-Usage
    assert (
        timedelta(minutes=2, seconds=50)
        < action.not_before - timezone.now()
        <= timedelta(minutes=3)
    )
    assert standin.account.posted_of("reply") == []
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.QUEUED

    time_passes()
    settle(standin)
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(standin.account.posted_of("reply")) == 1
    assert Message.objects.count() == 2


def test_a_lasting_throttle_is_not_called_into_again_until_access_comes_back(ig_wired, agent):
    standin, channel = ig_wired
    comment, conversation = incoming_comment(standin)
    standin.throttle(minutes=3)  # every call fails until then, as Meta documents

    conversation_reply(conversation=conversation, text="Checking it now!", actor=agent)
    action = OutboundAction.objects.get()
    assert action.state == ActionState.QUEUED and "rate limited" in action.last_error
    calls = len(standin.calls)
    # Our retry is due (a sweep, another worker), Meta's throttle is not over: the channel's
    # throttle, kept for every process, holds it without a call that would fail again.
    OutboundAction.objects.filter(pk=action.pk).update(not_before=None)
    outbox.run_action(action.pk)
    action.refresh_from_db()
    assert action.state == ActionState.QUEUED
    assert action.not_before > timezone.now() + timedelta(minutes=2, seconds=50)
    assert len(standin.calls) == calls
    assert standin.account.posted_of("reply") == []


def test_expired_token_flags_the_channel_holds_the_work_and_reconnect_sends_it(ig_wired, agent):
    standin, channel = ig_wired
    dm, conversation = incoming_dm(standin)
    standin.expire_token()

    conversation_reply(conversation=conversation, private=True, actor=agent, text="Ja!")

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "Instagram access token rejected (code 190/463)" in channel.status_detail
    action = OutboundAction.objects.get()
    assert action.state == ActionState.HELD
    # Held by the refusal itself, or at once when the channel was flagged a moment before
    # (a profile read meeting the same expired token): either way the agent reads why.
    assert "reconnect" in f"{action.last_error} {action.reason}"
    assert AuditEvent.objects.filter(verb="channel_needs_reconnect").exists()
    assert standin.account.posted_of("dm") == []

    released = channels.reconnect(channel, credentials={"access_token": standin.new_token()})
    assert released == 1
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(standin.account.posted_of("dm")) == 1


def test_reply_that_timed_out_after_landing_is_found_not_posted_again(ig_wired, agent):
    standin, channel = ig_wired
    comment, conversation = incoming_comment(standin)
    standin.inject("timeout", on="write", seconds=1.5)  # the client gives up after 0.5 s

    message = conversation_reply(
        conversation=conversation, text="Sorry! Sending it today.", actor=agent
    )
    action = OutboundAction.objects.get()
    assert action.state == ActionState.QUEUED
    assert "timeout" in action.last_error
    assert len(standin.account.posted_of("reply")) == 1  # it did land

    settle(standin)  # the echo of the landed reply arrives while we are unsure
    time_passes()
    action.refresh_from_db()
    message.refresh_from_db()
    assert action.state == ActionState.DONE
    assert action.attempts == 2
    [posted] = standin.account.posted_of("reply")
    assert message.external_id == action.external_id == posted["id"]
    # The echo waited for the outcome and matched our message: nothing extra.
    time_passes()
    assert Message.objects.count() == 2
    assert not Message.objects.filter(sent_natively=True).exists()
    assert not InboundEvent.objects.exclude(state=EventState.DONE).exists()


def test_private_reply_that_timed_out_is_found_in_the_thread_and_is_one_shot(ig_wired, agent):
    standin, channel = ig_wired
    comment, conversation = incoming_comment(standin)
    standin.inject("timeout", on="write", seconds=1.5)

    conversation_reply(
        conversation=conversation, private=True, actor=agent, text="We sent you the tracking link."
    )
    action = OutboundAction.objects.get()
    assert action.state == ActionState.QUEUED
    settle(standin)
    time_passes()
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(standin.account.posted_of("private_reply")) == 1
    time_passes()
    assert Conversation.objects.count() == 1  # the echo made no DM thread of its own

    second = conversation_reply(
        conversation=conversation, private=True, actor=agent, text="And one more thing"
    )
    failed = OutboundAction.objects.get(message=second)
    assert failed.state == ActionState.FAILED
    assert "already has a private reply" in failed.last_error
    assert len(standin.account.posted_of("private_reply")) == 1


def test_server_errors_are_retried_with_backoff_and_post_once(ig_wired, agent):
    standin, channel = ig_wired
    dm, conversation = incoming_dm(standin)
    standin.inject("error500", on="write", count=2)

    conversation_reply(conversation=conversation, private=True, actor=agent, text="Ja!")
    action = OutboundAction.objects.get()
    assert action.state == ActionState.QUEUED
    assert "temporary error (code 1)" in action.last_error
    time_passes()
    action.refresh_from_db()
    assert action.state == ActionState.QUEUED and action.attempts == 2
    time_passes()
    action.refresh_from_db()
    assert action.state == ActionState.DONE
    assert len(standin.account.posted_of("dm")) == 1


def test_closed_window_is_refused_with_a_reason(ig_wired, agent, settings):
    standin, channel = ig_wired
    dm, conversation = incoming_dm(standin)
    day_and_more = timezone.now() - timedelta(hours=30)
    Conversation.objects.filter(pk=conversation.pk).update(last_inbound_at=day_and_more)
    standin.account.age_thread(dm.igsid, 30)
    conversation.refresh_from_db()

    settings.META_HUMAN_AGENT_ENABLED = False
    message = conversation_reply(
        conversation=conversation, private=True, actor=agent, text="Sorry for the delay!"
    )
    action = OutboundAction.objects.get(message=message)
    assert action.state == ActionState.FAILED
    assert "24-hour messaging window closed" in action.last_error
    assert "not enabled" in action.last_error
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED
    assert AuditEvent.objects.filter(
        verb="action_dm_failed", data__reason=action.last_error
    ).exists()

    settings.META_HUMAN_AGENT_ENABLED = True
    untagged = conversation_reply(
        conversation=conversation, private=True, actor=agent, text="Sorry for the delay!"
    )
    assert "HUMAN_AGENT tag" in OutboundAction.objects.get(message=untagged).last_error
    tagged = conversation_reply(
        conversation=conversation,
        private=True,
        actor=agent,
        text="Sorry for the delay!",
        options={"human_agent_tag": True},
    )
    assert OutboundAction.objects.get(message=tagged).state == ActionState.DONE
    [sent] = standin.account.posted_of("dm")
    assert sent["tag"] == "HUMAN_AGENT"


def test_window_error_from_instagram_itself_is_a_rejection(ig_wired, agent):
    standin, channel = ig_wired
    dm, conversation = incoming_dm(standin)
    standin.inject("window")
    message = conversation_reply(conversation=conversation, private=True, actor=agent, text="Hi")
    action = OutboundAction.objects.get(message=message)
    assert action.state == ActionState.FAILED
    assert action.last_error.startswith("The 24-hour messaging window has closed")
    assert standin.account.posted_of("dm") == []


def test_webhooks_refused_while_we_are_down_are_redelivered_and_stored_once(ig_wired):
    standin, channel = ig_wired
    standin.webhooks.callback_url = standin.webhooks.callback_url.replace(
        "/instagram/", "/nowhere/"
    )
    comment = standin.account.add_comment(text="Anyone there?", username="sam.hikes")
    wait_for(lambda: len(standin.webhooks.attempts) >= 2, what="failed deliveries")
    assert not Message.objects.exists()

    standin.webhooks.callback_url = standin.webhooks.callback_url.replace(
        "/nowhere/", "/instagram/"
    )
    settle(standin)
    assert Message.objects.get().external_id == comment.id
    assert standin.webhooks.attempts[-1]["status"] == 200
