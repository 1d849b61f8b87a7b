"""Context enrichment is durable work: swept when due, one read per post, parked on a dead token."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import channels, enrich
from inbox.models import ChannelStatus, ContextState, Conversation
from tests.support import factories

pytestmark = pytest.mark.django_db

NOW = timedelta(0)


@pytest.fixture
def channel():
    return factories.make_channel("testchat")


def wanted(channel, post="post-1", **fields) -> Conversation:
    return factories.make_conversation(
        channel,
        context_external_id=post,
        context={"type": "post", "post_id": post},
        context_state=ContextState.WANTED,
        context_due_at=timezone.now() - timedelta(minutes=1),
        **fields,
    )


def test_the_sweep_queues_one_fetch_per_post(channel):
    on_one = [wanted(channel, "post-1") for _ in range(3)]
    other = wanted(channel, "post-2")
    due = enrich.contexts_due_for_sweep(grace=NOW)
    assert len(due) == 2 and other.pk in due and {*due} & {c.pk for c in on_one}


def test_a_fetch_whose_worker_died_is_swept_again_after_its_lease(channel):
    conversation = wanted(channel)
    assert enrich._claim(conversation.pk) is not None  # a worker took it, then died
    assert enrich.contexts_due_for_sweep(grace=NOW) == []
    assert enrich.fetch_context(conversation.pk) == "not due"  # nobody else reads meanwhile
    Conversation.objects.filter(pk=conversation.pk).update(
        context_due_at=timezone.now() - timedelta(seconds=1)
    )  # the lease ran out
    assert enrich.contexts_due_for_sweep(grace=NOW) == [conversation.pk]


def test_one_fetch_settles_every_conversation_waiting_for_the_post(channel):
    first, second = wanted(channel), wanted(channel)
    assert enrich.fetch_context(first.pk) == "loaded"  # Testchat has nothing more to read
    for conversation in (first, second):
        conversation.refresh_from_db()
        assert conversation.context_state == ContextState.COMPLETE
        assert conversation.context_due_at is None


def test_a_channel_that_needs_reconnecting_is_left_alone_until_it_is_reconnected(
    channel, django_capture_on_commit_callbacks
):
    conversation = wanted(channel)
    channels.mark_needs_reconnect(channel, "token expired")
    assert enrich.contexts_due_for_sweep(grace=NOW) == []
    Conversation.objects.filter(pk=conversation.pk).update(
        context_due_at=timezone.now() + timedelta(hours=1)
    )  # backed off after the 190
    with django_capture_on_commit_callbacks(execute=True):
        channels.reconnect(channel, credentials={"token": "new"})
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE
    conversation.refresh_from_db()
    assert conversation.context_state == ContextState.COMPLETE  # fetched once reconnected
