"""Facebook Page end to end against the Graph stand-in over real HTTP.

The stand-in answers as the Graph API does (docs/platforms.md section 1) and signs and delivers
webhooks the way Meta does. Faults are injected in the stand-in, never patched in our code.
Send API: https://developers.facebook.com/docs/messenger-platform/reference/send-api
Private replies: https://developers.facebook.com/documentation/business-messaging/messenger-platform/discovery/private-replies
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_fb.standin import PAGE_ID
from inbox import channels, outbox, polling
from inbox.conversations import conversation_reply, message_act
from inbox.models import (
    ActionKind,
    ActionState,
    Channel,
    ChannelStatus,
    Conversation,
    DeliveryStatus,
    Direction,
    Identity,
    Message,
    OutboundAction,
)
from inbox.profiles import refresh_profile
from switchboard.standin_server import serve_in_thread
from tests.support.facebook import graph_throttles_lift, make_fb_channel, post_signed

MARINA = {"id": "6984412238391107", "name": "Марина Соколова"}


@pytest.fixture
def standin(graph_standin):
    return graph_standin


@pytest.fixture
def channel(db, standin):
    return make_fb_channel(api_base_url=standin.url)


@pytest.fixture
def pump(client, django_capture_on_commit_callbacks, standin):
    """Hand the stand-in's queued webhooks to our real webhook URL, signed as Meta signs."""

    def pump() -> int:
        standin.webhooks.seal_all()
        sent = 0
        for delivery in list(standin.webhooks.queue):
            with django_capture_on_commit_callbacks(execute=True):
                response = post_signed(client, delivery.body)
            assert response.status_code == 200
            standin.webhooks.queue.remove(delivery)
            sent += 1
        return sent

    return pump


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    """Run an operation and what it queued after commit (the outbox, eagerly)."""

    def act(operation, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return operation(**kwargs)

    return act


def customer_comment(standin, pump, text="Где мой заказ №48213?"):
    comment_id = standin.add_comment(message=text, author=MARINA)
    pump()
    return Conversation.objects.get(external_thread_id=comment_id), comment_id


def action_for(message) -> OutboundAction:
    return OutboundAction.objects.get(message=message)


def retry_now(action: OutboundAction, act) -> OutboundAction:
    """Time passes: the action's wait is over and a worker picks it up again."""
    OutboundAction.objects.filter(pk=action.pk).update(not_before=None)
    graph_throttles_lift()
    act(outbox.run_action, action_id=action.pk)
    action.refresh_from_db()
    return action


def posted(standin, kind):
    return [p for p in standin.posted if p["kind"] == kind]


# ---- the whole path over real HTTP, webhooks delivered by the stand-in ------------------------


@pytest.mark.django_db(transaction=True)
def test_comment_to_public_and_private_reply_and_their_echoes(live_server, standin, agent):
    standin.configure(callback_url=f"{live_server.url}/webhooks/facebook/")
    make_fb_channel(api_base_url=standin.url)
    comment_id = standin.add_comment(message="Заказ №48213 так и не пришёл!", author=MARINA)
    assert standin.webhooks.deliver_due(force=True) == 1

    conversation = Conversation.objects.get(external_thread_id=comment_id)
    assert conversation.messages.get().text == "Заказ №48213 так и не пришёл!"

    public = conversation_reply(conversation=conversation, text="Марина, проверяем!", actor=agent)
    private = conversation_reply(
        conversation=conversation,
        text="Пришлите номер заказа, пожалуйста.",
        private=True,
        actor=agent,
    )
    public.refresh_from_db()
    private.refresh_from_db()
    assert public.delivery_status == DeliveryStatus.POSTED
    assert private.delivery_status == DeliveryStatus.POSTED

    [reply] = posted(standin, "comment")
    assert reply["parent"] == comment_id and reply["id"] == public.external_id
    assert standin.comments[reply["id"]]["parent_id"] == comment_id
    [pm] = posted(standin, "private_reply")
    assert pm["recipient"] == {"comment_id": comment_id}
    assert pm["message_id"] == private.external_id
    assert pm["metadata"] == f"sb:action:{action_for(private).pk}"

    # The feed echo of the reply and the Messenger echo of the private reply.
    assert standin.webhooks.deliver_due(force=True) == 2
    assert Conversation.objects.count() == 1
    assert Message.objects.count() == 3
    assert not Message.objects.filter(sent_natively=True).exists()


def test_webhook_deliveries_are_retried_byte_for_byte_until_answered(standin):
    answers = iter([500, 403, 200])
    received = []

    def sink(environ, start_response):
        received.append(
            (
                environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])),
                environ["HTTP_X_HUB_SIGNATURE_256"],
            )
        )
        start_response(f"{next(answers)} X", [("Content-Length", "0")])
        return [b""]

    server = serve_in_thread(sink)
    try:
        standin.configure(callback_url=server.url)
        standin.add_comment(
            message="Kas pakiautomaati tarne on võimalik?",
            author={"id": "4471902256318840", "name": "Kadri Tamm"},
        )
        assert standin.webhooks.deliver_due(force=True) == 0
        assert standin.webhooks.deliver_due(force=True) == 0
        assert standin.webhooks.deliver_due(force=True) == 1
    finally:
        server.stop()
    assert len(received) == 3 and len(set(received)) == 1
    body = received[0][0]
    assert b"\\u00f5" in body and b"\\/" in body  # escaped as Meta escapes: õ and "/"
    assert body.isascii()


# ---- faults: nothing lost, nothing posted twice ------------------------------------------------


def test_throttled_reply_waits_for_the_platform_and_posts_once(channel, standin, pump, act, agent):
    conversation, comment_id = customer_comment(standin, pump)
    standin.inject("throttle", match="write", minutes=19)
    reply = act(conversation_reply, conversation=conversation, text="Checking now!", actor=agent)
    action = action_for(reply)
    assert action.state == ActionState.QUEUED
    assert "throttled" in action.last_error
    wait = action.not_before - timezone.now()
    assert timedelta(minutes=18) < wait <= timedelta(minutes=19)
    assert posted(standin, "comment") == []

    action = retry_now(action, act)
    assert action.state == ActionState.DONE
    assert len(posted(standin, "comment")) == 1
    pump()
    assert conversation.messages.count() == 2


@pytest.mark.parametrize("kind", ["reply", "dm"])
def test_timeout_after_accept_is_found_not_reposted(
    channel, standin, pump, act, agent, settings, kind
):
    settings.HTTP_TIMEOUT_SECONDS = 0.3
    if kind == "reply":
        conversation, _ = customer_comment(standin, pump)
    else:
        standin.add_message(psid="7390125538764019", text="你好，退货政策是什么？", name="芳 王")
        pump()
        conversation = Conversation.objects.get(kind="dm")
    standin.inject("timeout_after_accept", match="write", seconds=0.8)
    reply = act(
        conversation_reply,
        conversation=conversation,
        text="We are on it.",
        private=kind == "dm",
        actor=agent,
    )
    action = action_for(reply)
    assert action.state == ActionState.QUEUED and "timeout" in action.last_error
    landed = posted(standin, "comment" if kind == "reply" else "dm")
    assert len(landed) == 1

    action = retry_now(action, act)
    assert action.state == ActionState.DONE
    assert len(posted(standin, "comment" if kind == "reply" else "dm")) == 1
    reply.refresh_from_db()
    assert reply.external_id == landed[0].get("id", landed[0].get("message_id"))
    pump()
    assert conversation.messages.filter(direction=Direction.OUTBOUND).count() == 1


def test_private_reply_after_timeout_is_never_sent_twice(
    channel, standin, pump, act, agent, settings
):
    settings.HTTP_TIMEOUT_SECONDS = 0.3
    conversation, comment_id = customer_comment(standin, pump)
    standin.inject("timeout_after_accept", match="messages", seconds=0.8)
    private = act(
        conversation_reply,
        conversation=conversation,
        text="Напишите нам номер.",
        private=True,
        actor=agent,
    )
    action = retry_now(action_for(private), act)
    assert action.state == ActionState.DONE
    assert len(posted(standin, "private_reply")) == 1
    pump()  # the echo carries our metadata and gives the message its id
    private.refresh_from_db()
    assert private.external_id == posted(standin, "private_reply")[0]["message_id"]
    assert Message.objects.count() == 2


def test_expired_token_holds_work_until_reconnect_then_posts_once(
    channel, standin, pump, act, agent
):
    conversation, _ = customer_comment(standin, pump)
    standin.expire_token()
    first = act(conversation_reply, conversation=conversation, text="One", actor=agent)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "reconnect" in channel.status_detail.lower() and "460" in channel.status_detail
    second = act(conversation_reply, conversation=conversation, text="Two", actor=agent)
    assert {a.state for a in OutboundAction.objects.all()} == {ActionState.HELD}
    assert "reconnect" in action_for(first).last_error

    new_token = standin.renew_token()
    released = act(channels.reconnect, channel=channel, credentials={"access_token": new_token})
    assert released == 2
    assert {a.state for a in OutboundAction.objects.all()} == {ActionState.DONE}
    assert sorted(p["text"] for p in posted(standin, "comment")) == ["One", "Two"]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.external_id and second.external_id


def test_platform_500_is_retried(channel, standin, pump, act, agent):
    conversation, _ = customer_comment(standin, pump)
    standin.inject("500", match="write")
    reply = act(conversation_reply, conversation=conversation, text="Hello", actor=agent)
    action = action_for(reply)
    assert action.state == ActionState.QUEUED and "temporary" in action.last_error
    assert retry_now(action, act).state == ActionState.DONE
    assert len(posted(standin, "comment")) == 1


# ---- the messaging window ---------------------------------------------------------------------


def dm_conversation(standin, pump, *, hours_ago: float):
    standin.add_message(
        psid="7390125538764019",
        text="Hallo, wo ist meine Bestellung?",
        name="Anna Schmidt",
        at=(timezone.now() - timedelta(hours=hours_ago)).timestamp(),
    )
    pump()
    return Conversation.objects.get(kind="dm")


def test_dm_after_24_hours_is_rejected_with_the_reason(channel, standin, pump, act, agent):
    conversation = dm_conversation(standin, pump, hours_ago=30)
    reply = act(
        conversation_reply, conversation=conversation, text="Sorry!", private=True, actor=agent
    )
    action = action_for(reply)
    assert action.state == ActionState.FAILED
    assert "24-hour" in action.last_error and "HUMAN_AGENT" in action.last_error
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert posted(standin, "dm") == []


def test_human_agent_tag_within_7_days_when_enabled(channel, standin, pump, act, agent, settings):
    settings.META_HUMAN_AGENT_ENABLED = True
    conversation = dm_conversation(standin, pump, hours_ago=30)
    reply = act(
        conversation_reply,
        conversation=conversation,
        text="Anna here, sorry!",
        private=True,
        actor=agent,
        options={"human_agent_tag": True},
    )
    assert action_for(reply).state == ActionState.DONE
    [sent] = posted(standin, "dm")
    assert (sent["messaging_type"], sent["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_platform_window_error_is_rejected_readably(channel, standin, pump, act, agent):
    conversation = dm_conversation(standin, pump, hours_ago=1)
    standin.inject("outside_window", match="messages")
    reply = act(conversation_reply, conversation=conversation, text="Hi", private=True, actor=agent)
    action = action_for(reply)
    assert action.state == ActionState.FAILED
    assert "24-hour messaging window has closed" in action.last_error


def test_second_private_reply_to_one_comment_is_rejected(channel, standin, pump, act, agent):
    conversation, _ = customer_comment(standin, pump)
    act(conversation_reply, conversation=conversation, text="First", private=True, actor=agent)
    second = act(
        conversation_reply, conversation=conversation, text="Second", private=True, actor=agent
    )
    action = action_for(second)
    assert action.state == ActionState.FAILED
    assert "already has a private reply" in action.last_error
    assert len(posted(standin, "private_reply")) == 1


# ---- moderation -------------------------------------------------------------------------------


def test_like_hide_unhide_delete(channel, standin, pump, act, agent):
    conversation, comment_id = customer_comment(standin, pump)
    comment = conversation.messages.get()
    for kind in (
        ActionKind.LIKE,
        ActionKind.HIDE,
        ActionKind.UNHIDE,
        ActionKind.UNLIKE,
        ActionKind.DELETE,
    ):
        act(message_act, message=comment, kind=kind, actor=agent)
    assert [p["kind"] for p in standin.posted] == ["like", "hide", "unhide", "unlike", "delete"]
    assert set(OutboundAction.objects.values_list("state", flat=True)) == {ActionState.DONE}
    pump()  # hide, unhide and remove come back through the feed
    comment.refresh_from_db()
    assert comment.deleted and not comment.hidden and not comment.liked
    assert Message.objects.count() == 1


# ---- polling ----------------------------------------------------------------------------------


def test_poll_backfills_comments_and_messenger_and_overlaps_cleanly(
    channel, standin, pump, django_capture_on_commit_callbacks
):
    top = standin.add_comment(
        message="Is the Aurora jacket waterproof?",
        author={"id": "5512038874410236", "name": "Jürgen Becker"},
    )
    standin.add_comment(message="Same question!", author=MARINA, parent_id=top)
    standin.add_message(psid="7390125538764019", text="你好", name="芳 王")
    with django_capture_on_commit_callbacks(execute=True):
        assert polling.poll_channel(channel.pk) == 3
    assert Conversation.objects.count() == 2
    assert Conversation.objects.get(external_thread_id=top).messages.count() == 2
    channel.refresh_from_db()
    assert channel.cursors["comments"] and channel.cursors["messenger_updated"]

    with django_capture_on_commit_callbacks(execute=True):
        assert polling.poll_channel(channel.pk) == 0  # nothing new
    pump()  # the webhooks for the same items arrive late
    assert Conversation.objects.count() == 2 and Message.objects.count() == 3


def test_poll_picks_up_visitor_posts_and_their_comments_once(
    channel, standin, pump, act, agent, django_capture_on_commit_callbacks
):
    # The Page feed lists visitors' posts too (fields include `from`):
    # https://developers.facebook.com/docs/graph-api/reference/page/feed/
    lucia = {"id": "9120457731826605", "name": "Lucía Fernández"}
    post_id = standin.add_post(
        message="¡La cremallera se rompió!",
        author=lucia,
        picture="https://scontent.xx.fbcdn.net/v/zip.jpg",
    )
    comment = standin.add_comment(
        message="Same here.",
        post_id=post_id,
        author={"id": "5512038874410236", "name": "Jürgen Becker"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert polling.poll_channel(channel.pk) == 2
    conversation = Conversation.objects.get()
    assert conversation.kind == "post" and conversation.external_thread_id == post_id
    assert conversation.context["text"] == "¡La cremallera se rompió!"
    assert conversation.context["media_url"] == "https://scontent.xx.fbcdn.net/v/zip.jpg"
    assert conversation.messages.get(external_id=comment).parent.external_id == post_id
    pump()  # the webhooks of the same post and comment arrive late
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2

    # An answer to the comment goes under that comment, not under the post.
    target = conversation.messages.get(external_id=comment)
    reply = act(
        conversation_reply,
        conversation=conversation,
        text="Jürgen, sorry!",
        actor=agent,
        target=target,
    )
    [posted_reply] = posted(standin, "comment")
    assert posted_reply["parent"] == comment
    pump()  # its echo
    reply.refresh_from_db()
    assert reply.external_id == posted_reply["id"]
    assert Message.objects.count() == 3 and Conversation.objects.count() == 1


def test_poll_under_throttle_waits_and_keeps_its_place(
    channel, standin, django_capture_on_commit_callbacks
):
    standin.inject("throttle", match="read", minutes=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert polling.poll_channel(channel.pk) == 0
    channel.refresh_from_db()
    assert channel.poll_after - timezone.now() > timedelta(minutes=6)
    assert channel.cursors == {}


def test_profile_fetch_and_fallback(channel, standin, pump):
    standin.add_message(psid="7390125538764019", text="你好", name="芳 王")
    profile = channel.connector.fetch_profile(channel, "7390125538764019")
    assert profile.name == "芳 王" and profile.avatar_url.startswith("https://")
    withheld = channel.connector.fetch_profile(channel, "6984412238391107")
    assert withheld.name == "" and withheld.avatar_url == ""  # nothing invented


def test_withheld_profile_keeps_the_name_we_know(channel, standin, pump):
    # Marina's name came with her comment; Facebook withholds her profile (she never wrote
    # to the Page in Messenger): the profile fetch after ingest must not rename her.
    customer_comment(standin, pump)
    identity = Identity.objects.get(external_id=MARINA["id"])
    refresh_profile(identity.pk)
    identity.refresh_from_db()
    assert identity.profile_fetched_at is not None
    assert identity.name == "Марина Соколова" and identity.contact.name == "Марина Соколова"
    # A Messenger customer without a profile has no name; the inbox shows a readable one.
    standin.add_message(psid="2233445566778899", text="hola")
    pump()
    anonymous = Identity.objects.get(external_id="2233445566778899")
    assert anonymous.name == ""
    assert anonymous.display_name == "facebook user …8899"


def test_add_channel_command_creates_a_working_channel(db, standin, capsys):
    from django.core.management import call_command

    call_command(
        "add_channel",
        "facebook",
        "--external-id",
        PAGE_ID,
        "--name",
        "Polaris",
        "--token",
        standin.pages[PAGE_ID].token,
        "--api-base",
        standin.url,
    )
    channel = Channel.objects.get(kind="facebook")
    assert channel.connector.poll(channel).cursors is not None


def test_demo_traffic_lands_as_conversations(channel, standin, pump):
    import random

    from channels_fb.standin import demo
    from inbox.models import EventState, InboundEvent

    rng = random.Random(7)
    for _ in range(40):
        demo.traffic_tick(standin, rng)
    pump()
    assert Conversation.objects.filter(kind="comment").exists()
    assert Conversation.objects.filter(kind="dm").exists()
    assert not InboundEvent.objects.exclude(state=EventState.DONE).exists()
    texts = " ".join(Message.objects.values_list("text", flat=True))
    assert any("\u4e00" <= ch <= "\u9fff" for ch in texts)  # Chinese among the languages


def test_demo_storm_is_flagged_within_a_minute_once(channel, standin, pump, monkeypatch):
    """The demo's traffic: an ordinary hour, then one post suddenly draws 40 complaints in 10
    minutes. The detector, run every minute on the stand-in's clock, flags it within a minute
    of the post passing its comment-rate threshold, and only once."""
    import random
    from datetime import UTC, datetime

    from channels_fb.standin import demo
    from reports import storms
    from reports.models import Storm

    clock = [timezone.now().timestamp() - 2 * 3600]
    standin.clock = lambda: clock[0]
    monkeypatch.setattr(demo, "STORM_CHANCE", 0)  # the storm starts when the test says
    rng = random.Random(11)

    def tick_for(seconds: int, step: int = 60) -> list:
        """Ticks every `step` seconds, the detector at every whole minute: what it opened."""
        opened = []
        for n in range(seconds // step):
            clock[0] += step
            demo.traffic_tick(standin, rng)
            pump()
            if (n + 1) * step % 60 == 0:
                opened += [
                    (clock[0], s) for s in storms.detect(datetime.fromtimestamp(clock[0], UTC))
                ]
        return opened

    # The same ordinary rate throughout (a comment about every two minutes on the post), so
    # what is flagged is the storm, not busier chatter; the storm's due comments are posted
    # at each tick.
    assert tick_for(3600) == []  # an ordinary hour is no storm
    post_id = demo.start_storm(standin, rng)
    storm_times = [at for at, *_ in standin.demo_storm]
    opened = tick_for(30 * 60)
    assert [s.context_external_id for _, s in opened] == [post_id]
    assert Storm.objects.count() == 1
    # The 20th comment of the storm puts the post over the rate threshold (MIN_COMMENTS).
    over_threshold = storm_times[storms.MIN_COMMENTS - 1]
    assert opened[0][0] - over_threshold <= 60
    assert Conversation.objects.filter(context_external_id=post_id).count() >= demo.STORM_SIZE
