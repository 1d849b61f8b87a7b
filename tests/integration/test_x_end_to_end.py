"""End to end on X: heard by search, answered through the outbox, echo matched, actions.

Write endpoints: https://docs.x.com/x-api/posts/manage-tweets/introduction (POST /2/tweets,
`reply.in_reply_to_tweet_id`, 201), https://docs.x.com/x-api/direct-messages/manage/introduction
(POST /2/dm_conversations/with/:participant_id/messages, 201), likes, hide replies
(https://docs.x.com/x-api/posts/hide-replies/introduction); AAA echo shape per
https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/account-activity-data-objects.
"""

from __future__ import annotations

import json

import pytest

from channels_tw.webhooks import signature
from inbox import outbox, polling
from inbox.conversations import conversation_reply, message_act
from inbox.models import ActionState, Conversation, Message, OutboundAction
from inbox.outbox import NotSupported
from tests.support.x import (
    BRAND_ID,
    JURGEN,
    KADRI,
    LIN,
    LUCIA,
    MARINA,
    make_x_channel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a step with its after-commit work (ingest, outbox) done, as the workers would."""

    def step(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return step


def _post_aaa(client, run, body: dict):
    data = json.dumps(body).encode()
    return run(
        client.post,
        "/webhooks/x/",
        data,
        content_type="application/json",
        headers={
            "x-twitter-webhooks-signature": signature("switchboard-test-consumer-secret", data)
        },
    )


def test_brand_name_tweet_becomes_tagged_conversation_reply_lands_echo_is_not_new(
    x_platform, run, agent, client
):
    app, url = x_platform
    tweet = app.add_tweet(
        LUCIA, "Las botas de Polaris Outfitters aguantaron todo el Camino 👌", lang="es"
    )
    channel = make_x_channel(url)
    run(polling.poll_channel, channel.pk)

    conversation = Conversation.objects.get(channel=channel)
    assert conversation.kind == "search"
    assert conversation.external_thread_id == tweet["id"]
    assert list(conversation.tags.values_list("name", flat=True)) == ["Brand name"]
    assert conversation.messages.get().author_identity.handle == "lucia_viaja"

    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        text="@lucia_viaja ¡Gracias, Lucía! Buen camino 🥾",
    )

    reply.refresh_from_db()
    ours = app.posted_by(BRAND_ID)
    assert len(ours) == 1
    assert ours[0]["referenced_tweets"] == [{"type": "replied_to", "id": tweet["id"]}]
    assert ours[0]["conversation_id"] == tweet["id"]
    assert reply.external_id == ours[0]["id"]
    assert reply.delivery_status == "posted"
    assert reply.permalink == f"https://x.com/polarisoutfit/status/{ours[0]['id']}"

    # The echo, by webhook (AAA tweet_create_events authored by us) and by the next poll.
    _post_aaa(client, run, app.aaa_tweet_body(ours[0], BRAND_ID))
    run(polling.poll_channel, channel.pk)
    assert Message.objects.filter(channel=channel).count() == 2
    assert list(conversation.messages.order_by("id").values_list("direction", flat=True)) == [
        "in",
        "out",
    ]


def test_reply_to_a_mention_in_a_thread_goes_under_the_latest_customer_tweet(
    x_platform, run, agent
):
    app, url = x_platform
    post = app.add_tweet(BRAND_ID, "Spring sale: 20% off until 31 March")
    first = app.add_tweet(MARINA, "@polarisoutfit а на детские куртки?", in_reply_to=post["id"])
    second = app.add_tweet(MARINA, "@polarisoutfit и на обувь тоже?", in_reply_to=first["id"])
    channel = make_x_channel(url, sources=["mentions"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.external_thread_id == post["id"]  # X's conversation_id
    assert conversation.context["text"] == "Spring sale: 20% off until 31 March"
    run(conversation_reply, conversation=conversation, actor=agent, text="@marina_sok Да, на всё!")
    (ours,) = [t for t in app.posted_by(BRAND_ID) if t["id"] != post["id"]]
    assert ours["referenced_tweets"] == [{"type": "replied_to", "id": second["id"]}]


def test_timeout_after_accept_never_double_posts(x_platform, run, agent):
    app, url = x_platform
    tweet = app.add_tweet(JURGEN, "@polarisoutfit Wo bleibt meine Bestellung 48290?", lang="de")
    channel = make_x_channel(url, sources=["mentions"], http_timeout=0.3)
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)
    app.inject("timeout_after_accept", "create_tweet", seconds=0.8)

    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        text="@jbecker_outdoor Wir prüfen das sofort, Jürgen!",
    )

    action = OutboundAction.objects.get(message=reply)
    assert action.state == ActionState.QUEUED and action.attempts == 1  # unsure: waits
    OutboundAction.objects.filter(pk=action.pk).update(not_before=None)  # its backoff passed
    run(outbox.run_action, action.pk)

    action.refresh_from_db()
    replies = [
        t
        for t in app.posted_by(BRAND_ID)
        if {"type": "replied_to", "id": tweet["id"]} in t["referenced_tweets"]
    ]
    assert len(replies) == 1  # found the landed one instead of posting again
    assert action.state == ActionState.DONE and action.external_id == replies[0]["id"]
    assert len(app.calls_to("create_tweet")) == 1


def test_dm_reply_lands_and_its_polled_echo_is_matched(x_platform, run, agent):
    app, url = x_platform
    app.add_dm(KADRI, BRAND_ID, "Tere! Kas saab tellimuse 48302 aadressi muuta?")
    channel = make_x_channel(url, sources=["dm_events"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)
    assert conversation.kind == "dm"
    assert conversation.external_thread_id == f"{KADRI}-{BRAND_ID}"

    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        private=True,
        text="Tere, Kadri! Jah, saadame uue aadressi kullerile.",
    )
    reply.refresh_from_db()
    sent = [e for e in app.dm_events if e["sender_id"] == BRAND_ID]
    assert len(sent) == 1 and reply.external_id == sent[0]["id"]

    run(polling.poll_channel, channel.pk)
    assert conversation.messages.count() == 2


def test_dm_refused_by_privacy_settings_is_rejected_with_a_reason(x_platform, run, agent):
    app, url = x_platform
    app.users[JURGEN]["dm_open"] = False
    app.add_tweet(JURGEN, "@polarisoutfit Reißverschluss kaputt")
    channel = make_x_channel(url, sources=["mentions"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)

    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        private=True,
        text="Schick uns bitte deine Bestellnummer.",
    )

    action = OutboundAction.objects.get(message=reply)
    assert action.state == ActionState.FAILED
    assert "privacy settings" in action.last_error
    reply.refresh_from_db()
    assert reply.delivery_status == "failed"


def test_like_hide_and_delete(x_platform, run, agent):
    app, url = x_platform
    post = app.add_tweet(BRAND_ID, "New winter collection is out")
    nice = app.add_tweet(LUCIA, "@polarisoutfit ¡Me encanta!", in_reply_to=post["id"])
    rude = app.add_tweet(JURGEN, "@polarisoutfit buy followers cheap!!!", in_reply_to=post["id"])
    elsewhere = app.add_tweet(MARINA, "@polarisoutfit привет")
    channel = make_x_channel(url, sources=["mentions"])
    run(polling.poll_channel, channel.pk)
    by_id = {m.external_id: m for m in Message.objects.filter(channel=channel)}

    run(message_act, message=by_id[nice["id"]], kind="like", actor=agent)
    run(message_act, message=by_id[rude["id"]], kind="hide", actor=agent)
    # Marina's tweet starts its own conversation: X hides only replies, so the inbox
    # refuses before anything is queued.
    with pytest.raises(NotSupported, match="only replies"):
        message_act(message=by_id[elsewhere["id"]], kind="hide", actor=agent)
    assert not OutboundAction.objects.filter(target=by_id[elsewhere["id"]]).exists()

    assert (BRAND_ID, nice["id"]) in app.likes
    assert app.tweets[rude["id"]]["hidden"] is True
    by_id[nice["id"]].refresh_from_db()
    by_id[rude["id"]].refresh_from_db()
    assert by_id[nice["id"]].liked and by_id[rude["id"]].hidden

    run(message_act, message=by_id[rude["id"]], kind="unhide", actor=agent)
    assert app.tweets[rude["id"]]["hidden"] is False

    conversation = by_id[nice["id"]].conversation
    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        text="@lucia_viaja ¡Gracias!",
        target=by_id[nice["id"]],
    )
    reply.refresh_from_db()
    run(message_act, message=reply, kind="delete", actor=agent)
    assert app.tweets[reply.external_id]["deleted"] is True
    reply.refresh_from_db()
    assert reply.deleted

    with pytest.raises(NotSupported, match="only our own posts"):
        message_act(message=by_id[nice["id"]], kind="delete", actor=agent)


def test_reply_over_280_characters_is_refused_before_queueing(x_platform, run, agent):
    app, url = x_platform
    app.add_tweet(KADRI, "@polarisoutfit tere")
    channel = make_x_channel(url, sources=["mentions"])
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel)
    with pytest.raises(ValueError, match="280"):
        conversation_reply(conversation=conversation, actor=agent, text="a" * 281)
    assert not OutboundAction.objects.exists()


@pytest.mark.parametrize(
    "source, text",
    [
        ("search", "Polaris Outfitters Aurora, ganz klar."),
        ("mentions", "@polarisoutfit Aurora, ganz klar."),
    ],
)
def test_match_replying_to_a_tweet_we_never_saw_shows_that_tweet(x_platform, run, source, text):
    # The replied-to tweet comes in `includes.tweets` (expansion referenced_tweets.id):
    # https://docs.x.com/x-api/fundamentals/expansions
    app, url = x_platform
    parent = app.add_tweet(KADRI, "Kes teab head talvejopet? 🧥", lang="et")
    app.add_tweet(JURGEN, text, in_reply_to=parent["id"], lang="de")
    channel = make_x_channel(url, sources=[source])
    run(polling.poll_channel, channel.pk)

    conversation = Conversation.objects.get(channel=channel)
    assert conversation.external_thread_id == parent["id"]  # X's conversation_id
    assert conversation.context["text"] == "Kes teab head talvejopet? 🧥"
    assert conversation.context["author_handle"] == "kadri_tamm"
    assert conversation.context["permalink"] == f"https://x.com/kadri_tamm/status/{parent['id']}"
    # Shown as context, not ingested as a customer message of its own.
    assert conversation.messages.count() == 1


def test_fetch_profile_reads_the_user_and_invents_nothing(x_platform):
    # GET /2/users/:id?user.fields=name,username,profile_image_url,public_metrics,verified
    # https://docs.x.com/x-api/users/lookup/introduction
    app, url = x_platform
    channel = make_x_channel(url)
    profile = channel.connector.fetch_profile(channel, LIN)
    assert (profile.name, profile.handle) == ("林晓雨", "lin_xiaoyu")
    assert profile.avatar_url == f"https://pbs.twimg.com/profile_images/{LIN}/a_normal.jpg"
    assert profile.follower_count == 100 and profile.profile_url == "https://x.com/lin_xiaoyu"
    [call] = app.calls_to("users_lookup")
    assert set(call["query"]["user.fields"].split(",")) >= {
        "name",
        "username",
        "profile_image_url",
        "public_metrics",
        "verified",
    }
    # X answers 200 with only `errors` for a suspended or unknown user: no invented name.
    gone = channel.connector.fetch_profile(channel, "1999999999999999999")
    assert gone.name == "" and gone.handle == ""


def test_dm_whose_send_timed_out_after_x_accepted_it_is_not_sent_twice(x_platform, run, agent):
    # POST /2/dm_conversations/with/:participant_id/messages answers after our timeout, but X
    # has the DM: the retry finds it in GET /2/dm_events (our sender_id, this conversation,
    # our text) instead of sending it again.
    # https://docs.x.com/x-api/direct-messages/manage/introduction
    # https://docs.x.com/x-api/direct-messages/lookup/introduction
    app, url = x_platform
    app.add_dm(LIN, BRAND_ID, "你好，订单48311什么时候发货？")
    channel = make_x_channel(url, sources=["dm_events"], http_timeout=0.3)
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel, kind="dm")
    app.inject("timeout_after_accept", "create_dm", seconds=0.8)

    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        private=True,
        text="您好！订单今天发货。",
    )

    action = OutboundAction.objects.get(message=reply)
    assert action.state == ActionState.QUEUED and action.attempts == 1  # unsure: waits
    OutboundAction.objects.filter(pk=action.pk).update(not_before=None)  # its backoff passed
    run(outbox.run_action, action.pk)

    action.refresh_from_db()
    reply.refresh_from_db()
    sent = [e for e in app.dm_events if e["sender_id"] == BRAND_ID]
    assert len(sent) == 1
    assert len(app.calls_to("create_dm")) == 1
    assert action.state == ActionState.DONE and action.external_id == sent[0]["id"]
    assert reply.external_id == sent[0]["id"] and reply.delivery_status == "posted"
    run(polling.poll_channel, channel.pk)  # its echo, polled, is the same message
    assert conversation.messages.count() == 2


def test_dm_that_never_reached_x_is_sent_on_retry(x_platform, run, agent):
    # The counterpart: the earlier try is not among the DM events, so the retry sends it.
    app, url = x_platform
    app.add_dm(LIN, BRAND_ID, "还在吗？")
    channel = make_x_channel(url, sources=["dm_events"], http_timeout=0.3)
    run(polling.poll_channel, channel.pk)
    conversation = Conversation.objects.get(channel=channel, kind="dm")
    # X answers 503 and sends nothing; the retry looks first (find_landed), finds nothing,
    # and sends once.
    app.inject("503", "create_dm")
    reply = run(
        conversation_reply,
        conversation=conversation,
        actor=agent,
        private=True,
        text="在的，请问有什么可以帮您？",
    )
    action = OutboundAction.objects.get(message=reply)
    assert action.state == ActionState.QUEUED
    OutboundAction.objects.filter(pk=action.pk).update(not_before=None)
    run(outbox.run_action, action.pk)
    action.refresh_from_db()
    sent = [e for e in app.dm_events if e["sender_id"] == BRAND_ID]
    assert len(sent) == 1 and action.external_id == sent[0]["id"]
    assert action.state == ActionState.DONE


@pytest.mark.django_db(transaction=True)
def test_standin_signed_account_activity_delivery_lands_through_the_webhook(
    x_platform, live_server, settings
):
    # The stand-in posts Account Activity bodies to our URL signed with
    # x-twitter-webhooks-signature = sha256=base64(HMAC-SHA256(consumer secret, body)):
    # https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks
    import requests

    from tests.support.instagram import wait_for

    app, url = x_platform
    channel = make_x_channel(url)
    hook = f"{live_server.url}/webhooks/x/"
    assert (
        requests.post(
            f"{url}/_standin/webhook",
            json={"url": hook, "secret": settings.X_CONSUMER_SECRET, "user_id": BRAND_ID},
            timeout=5,
        ).status_code
        == 200
    )
    crc = requests.get(hook, params={"crc_token": "c2b4"}, timeout=5)
    assert crc.json()["response_token"] == signature(settings.X_CONSUMER_SECRET, b"c2b4")

    tweet = app.add_tweet(MARINA, "@polarisoutfit Где мой заказ 48213?", lang="ru")
    dm = app.add_dm(KADRI, BRAND_ID, "Tere! Kas pakk 48302 on teel?")
    wait_for(
        lambda: Message.objects.filter(external_id__in=[tweet["id"], dm["id"]]).count() == 2,
        what="both deliveries ingested",
    )

    mention = Message.objects.get(external_id=tweet["id"])
    assert mention.conversation.kind == "mention" and mention.conversation.channel == channel
    assert mention.text == "@polarisoutfit Где мой заказ 48213?"
    assert mention.author_identity.handle == "marina_sok"
    direct = Message.objects.get(external_id=dm["id"])
    assert direct.conversation.external_thread_id == f"{KADRI}-{BRAND_ID}"
    from inbox.models import InboundEvent

    assert set(InboundEvent.objects.values_list("source", flat=True)) == {"webhook"}

    # The same body again (AAA retries) stores nothing; a forged one is refused.
    body = json.dumps(app.aaa_tweet_body(app.tweets[tweet["id"]], BRAND_ID)).encode()
    again = requests.post(
        hook,
        data=body,
        timeout=5,
        headers={
            "Content-Type": "application/json",
            "x-twitter-webhooks-signature": signature(settings.X_CONSUMER_SECRET, body),
        },
    )
    forged = requests.post(
        hook,
        data=body,
        timeout=5,
        headers={
            "Content-Type": "application/json",
            "x-twitter-webhooks-signature": signature("not-the-secret", body),
        },
    )
    assert again.status_code == 200 and forged.status_code == 403
    assert InboundEvent.objects.count() == 2 and Message.objects.count() == 2
