"""Two replies with the same text in one thread; the second meets a 5xx and is retried.

Before a retry the outbox asks whether the earlier attempt landed (`find_landed`). It must
recognise only *this* action's attempt: the agent's earlier "Thank you!" in the same thread
is another message, already posted and stored, and must neither stand in for the retry nor
lose its row. The 5xx is injected in the platform stand-in, which records every write.
"""

from __future__ import annotations

import pytest

from inbox import outbox, polling
from inbox.conversations import conversation_reply
from inbox.models import ActionState, Conversation, Direction, Message, OutboundAction
from tests.support.facebook import make_fb_channel, post_signed
from tests.support.x import BRAND_ID, JURGEN, KADRI, make_x_channel

pytestmark = pytest.mark.django_db

MARINA = {"id": "6984412238391107", "name": "Марина Соколова"}
PSID = "7390125538764019"
SAME = "Thank you, we are on it!"


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a step with its after-commit work (ingest, outbox) done, as the workers would."""

    def step(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return step


@pytest.fixture
def pump(client, run, graph_standin):
    """Hand the Graph stand-in's queued webhooks (echoes included) to our webhook URL."""

    def pump() -> None:
        graph_standin.webhooks.seal_all()
        for delivery in list(graph_standin.webhooks.queue):
            assert run(post_signed, client, delivery.body).status_code == 200
            graph_standin.webhooks.queue.remove(delivery)

    return pump


def retry(run, message: Message) -> OutboundAction:
    """The retry's wait is over and a worker picks the action up again."""
    action = OutboundAction.objects.get(message=message)
    assert action.state == ActionState.QUEUED and action.attempts == 1
    OutboundAction.objects.filter(pk=action.pk).update(not_before=None)
    run(outbox.run_action, action.pk)
    action.refresh_from_db()
    return action


def assert_both_kept(conversation, first, second, posted_ids):
    first.refresh_from_db()
    second.refresh_from_db()
    assert Message.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    assert first.external_id and second.external_id
    assert first.external_id != second.external_id
    assert sorted(posted_ids) == sorted([first.external_id, second.external_id])
    assert first.delivery_status == second.delivery_status == "posted"
    assert conversation.messages.filter(direction=Direction.OUTBOUND, text=SAME).count() == 2


@pytest.mark.parametrize("echo_first", [True, False], ids=["echo-ingested", "no-echo-yet"])
def test_facebook_comment_second_identical_reply_after_500(
    graph_standin, pump, run, agent, echo_first
):
    make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(message="Где мой заказ №48213?", author=MARINA)
    pump()
    conversation = Conversation.objects.get(external_thread_id=comment_id)

    first = run(conversation_reply, conversation=conversation, text=SAME, actor=agent)
    if echo_first:
        pump()
    graph_standin.inject("500", match="write")
    second = run(conversation_reply, conversation=conversation, text=SAME, actor=agent)

    assert retry(run, second).state == ActionState.DONE
    comments = [p for p in graph_standin.posted if p["kind"] == "comment"]
    assert [c["text"] for c in comments] == [SAME, SAME]  # both posted, once each
    pump()
    assert_both_kept(conversation, first, second, [c["id"] for c in comments])


@pytest.mark.parametrize("echo_first", [True, False], ids=["echo-ingested", "no-echo-yet"])
def test_messenger_second_identical_message_after_500(graph_standin, pump, run, agent, echo_first):
    make_fb_channel(api_base_url=graph_standin.url)
    graph_standin.add_message(psid=PSID, text="你好，退货政策是什么？", name="芳 王")
    pump()
    conversation = Conversation.objects.get(kind="dm")

    first = run(conversation_reply, conversation=conversation, text=SAME, private=True, actor=agent)
    if echo_first:
        pump()
    graph_standin.inject("500", match="write")
    second = run(
        conversation_reply, conversation=conversation, text=SAME, private=True, actor=agent
    )

    assert retry(run, second).state == ActionState.DONE
    sent = [p for p in graph_standin.posted if p["kind"] == "dm"]
    assert [s["text"] for s in sent] == [SAME, SAME]
    # Each send carried its own action's marker, which the echo gives back.
    assert [s["metadata"] for s in sent] == [
        f"sb:action:{OutboundAction.objects.get(message=m).pk}" for m in (first, second)
    ]
    pump()
    assert_both_kept(conversation, first, second, [s["message_id"] for s in sent])


def test_x_reply_second_identical_after_503_is_refused_not_taken_for_the_first(
    x_platform, run, agent
):
    # X itself refuses a second post with the same text (403 "duplicate content"): the
    # retry must reach X and say so, not report the first reply as the second's.
    app, url = x_platform
    tweet = app.add_tweet(JURGEN, "@polarisoutfit Wo bleibt meine Bestellung 48290?", lang="de")
    channel = make_x_channel(url, sources=["mentions"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)

    first = run(conversation_reply, conversation=conversation, text=SAME, actor=agent)
    app.inject("503", "create_tweet")
    second = run(conversation_reply, conversation=conversation, text=SAME, actor=agent)

    action = retry(run, second)
    assert action.state == ActionState.FAILED and "duplicate" in action.last_error
    replies = [
        t
        for t in app.posted_by(BRAND_ID)
        if {"type": "replied_to", "id": tweet["id"]} in t["referenced_tweets"]
    ]
    assert [t["text"] for t in replies] == [SAME]
    run(polling.poll_channel, channel.pk)  # the first reply's echo is the first message
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.external_id == replies[0]["id"] and first.delivery_status == "posted"
    assert second.external_id is None and second.delivery_status == "failed"
    assert conversation.messages.filter(direction=Direction.OUTBOUND).count() == 2


def test_x_reply_second_different_after_503(x_platform, run, agent):
    app, url = x_platform
    tweet = app.add_tweet(JURGEN, "@polarisoutfit Wo bleibt meine Bestellung 48290?", lang="de")
    channel = make_x_channel(url, sources=["mentions"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)
    # X compares links blanked (t.co): these two are "the same text" to find_landed.
    first = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        text="Tracking: https://example.com/t/48290",
    )
    app.inject("503", "create_tweet")
    second = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        text="Tracking: https://example.com/t/48291",
    )

    assert retry(run, second).state == ActionState.DONE
    replies = [
        t
        for t in app.posted_by(BRAND_ID)
        if {"type": "replied_to", "id": tweet["id"]} in t["referenced_tweets"]
    ]
    assert len(replies) == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert [first.external_id, second.external_id] == [t["id"] for t in replies]


def test_x_dm_second_identical_after_503(x_platform, run, agent):
    app, url = x_platform
    app.add_dm(KADRI, BRAND_ID, "Tere! Kas saab tellimuse 48302 aadressi muuta?")
    channel = make_x_channel(url, sources=["dm_events"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel, kind="dm")

    first = run(conversation_reply, conversation=conversation, text=SAME, private=True, actor=agent)
    app.inject("503", "create_dm")
    second = run(
        conversation_reply, conversation=conversation, text=SAME, private=True, actor=agent
    )

    assert retry(run, second).state == ActionState.DONE
    sent = [e for e in app.dm_events if e["sender_id"] == BRAND_ID]
    assert [e["text"] for e in sent] == [SAME, SAME]
    run(polling.poll_channel, channel.pk)
    assert_both_kept(conversation, first, second, [e["id"] for e in sent])
