"""Recognising this action's own post among what the platform lists (inbox/landing.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import landing, outbox
from inbox.models import ActionKind, ActionState, Direction, Message, OutboundAction
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    return factories.make_conversation(factories.make_channel("testchat"), text="Hi")


def our_reply(conversation, *, started_ago: timedelta | None = None, external_id=None):
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.OUTBOUND,
        text="Thanks!",
        external_id=external_id,
    )
    started = timezone.now() - started_ago if started_ago is not None else None
    action = OutboundAction.objects.create(
        channel=conversation.channel,
        conversation=conversation,
        kind=ActionKind.REPLY,
        message=message,
        state=ActionState.SENDING,
        attempts=2,
        first_attempt_at=started,
    )
    return message, action


def native(conversation, external_id, *, ingested_ago: timedelta) -> Message:
    message = Message.objects.create(
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.OUTBOUND,
        text="Thanks!",
        external_id=external_id,
        sent_natively=True,
    )
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - ingested_ago)
    return message


def test_a_post_from_before_the_first_attempt_is_not_ours(conversation):
    _, action = our_reply(conversation, started_ago=timedelta(minutes=1))
    earlier = timezone.now() - timedelta(minutes=2)
    assert landing.own_landing(action, [("p1", earlier)]) is None
    assert landing.own_landing(action, [("p1", earlier), ("p2", timezone.now())]) == "p2"


def test_an_id_another_message_holds_is_not_ours(conversation):
    our_reply(conversation, external_id="p1")  # the agent's earlier "Thanks!"
    _, action = our_reply(conversation, started_ago=timedelta(seconds=1))
    assert landing.own_landing(action, [("p1", timezone.now())]) is None


def test_our_echo_stored_as_native_after_the_attempt_is_ours_an_older_native_post_is_not(
    conversation,
):
    _, action = our_reply(conversation, started_ago=timedelta(seconds=30))
    native(conversation, "p1", ingested_ago=timedelta(minutes=5))  # someone in the app
    native(conversation, "p2", ingested_ago=timedelta(seconds=10))  # our echo, early
    now = timezone.now()
    assert landing.own_landing(action, [("p1", now), ("p2", now)]) == "p2"


def test_the_oldest_unclaimed_post_in_the_window_is_taken(conversation):
    _, action = our_reply(conversation, started_ago=timedelta(seconds=30))
    now = timezone.now()
    assert landing.own_landing(action, [("p3", now), ("p2", now - timedelta(seconds=20))]) == "p2"


def test_recording_an_id_never_deletes_another_message(conversation):
    earlier, _ = our_reply(conversation, external_id="p1")
    message, action = our_reply(conversation)
    outbox.record_success(action, "p1")
    earlier.refresh_from_db()  # still there, still with its id
    message.refresh_from_db()
    assert earlier.external_id == "p1" and message.external_id is None
