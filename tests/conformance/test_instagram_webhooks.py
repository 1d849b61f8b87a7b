"""Instagram webhooks: one test per documented payload shape, posted signed through the real
URL, asserting what an agent would see. Fixtures: channels_ig/fixtures/ (README cites each)."""

from __future__ import annotations

import copy

import pytest
from django.utils import timezone

from inbox.models import (
    ActionKind,
    ActionState,
    Channel,
    ContextState,
    Conversation,
    DeliveryStatus,
    Direction,
    EventState,
    Identity,
    InboundEvent,
    Message,
    OutboundAction,
    Visibility,
)
from tests.support.instagram import (
    ACCOUNT_ID,
    WEBHOOK_URL,
    fixture,
    make_ig_channel,
    post_webhook,
)

pytestmark = pytest.mark.django_db

WEBHOOKS_REFERENCE = "https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram"
MESSAGING_WEBHOOKS = (
    "https://developers.facebook.com/documentation/business-messaging/instagram-messaging/webhooks"
)
DM_CUSTOMER = "6281974305527741"


MEDIA_ID = "18049326772512345"  # the media of ig_comments.json and ig_comment_reply.json
MEDIA_CAPTION = "Aurora jacket, now in glacier blue 🧊 #polariscare"


@pytest.fixture
def channel(ig_standin):
    # The comments' media is read for context from the stand-in.
    ig_standin.account.add_media(MEDIA_CAPTION, media_id=MEDIA_ID)
    return make_ig_channel(ig_standin.graph_url)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Post a body as Meta would and run the queued processing, as a worker would."""

    def deliver(payload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(client, payload, **kwargs)
        assert response.status_code == 200, response.content
        return response

    return deliver


def snapshot():
    return (
        sorted(Conversation.objects.values_list("external_thread_id", "state")),
        sorted(
            Message.objects.values_list(
                "external_id", "text", "deleted", "edited", "delivery_status"
            )
        ),
        InboundEvent.objects.count(),
    )


# ---- comments ---------------------------------------------------------------------------------


def test_comment_starts_a_conversation_with_the_media_as_context(channel, deliver):
    """`comments` change, https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram
    (fixture ig_comments.json, the shared platform fixture)."""
    deliver(fixture("ig_comments.json"))

    conversation = Conversation.objects.get()
    assert conversation.channel == channel
    assert conversation.kind == "comment"
    assert conversation.external_thread_id == "17951830425873216"
    assert conversation.context_external_id == "18049326772512345"
    assert conversation.context["media_product_type"] == "FEED"
    assert conversation.state == "open"
    assert conversation.preview.startswith("Obsessed with this colour 😍🔥")
    message = conversation.messages.get()
    assert message.direction == Direction.INBOUND
    assert message.visibility == Visibility.PUBLIC
    assert message.text == "Obsessed with this colour 😍🔥 is it back in stock in size M?"
    assert message.author_identity.handle == "lin.xiaoyu_"
    assert message.author_identity.external_id == "7120558831742290"
    assert message.author_identity.profile_url == "https://www.instagram.com/lin.xiaoyu_/"


def media_reads(standin, media_id=MEDIA_ID):
    return [call for call in standin.calls if call == ("GET", f"/{media_id}")]


def test_comment_shows_the_media_it_is_on_read_once(channel, deliver, ig_standin):
    """The `comments` webhook names the media by id only; caption, link, picture and time come
    from GET /{ig-media-id}?fields=caption,permalink,media_type,media_url,timestamp
    (https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media),
    once per media: the reply reuses the stored context."""
    deliver(fixture("ig_comments.json"))
    context = Conversation.objects.get().context
    media = ig_standin.account.media[MEDIA_ID]
    assert context["text"] == MEDIA_CAPTION
    assert context["permalink"] == media.permalink
    assert context["media_url"] == media.media_url
    assert context["media_type"] == "IMAGE"
    assert context["created"].endswith("+0000")
    assert context["media_product_type"] == "FEED"  # from the webhook, kept
    other = fixture("ig_comments.json")
    other["entry"][0]["changes"][0]["value"].update(id="17951830425879999", text="¿Talla S?")
    deliver(other)
    assert (
        Conversation.objects.get(external_thread_id="17951830425879999").context["text"]
        == MEDIA_CAPTION
    )
    assert len(media_reads(ig_standin)) == 1


def test_media_read_failure_shows_the_comment_at_once_and_the_media_later(
    channel, deliver, ig_standin
):
    ig_standin.inject("error500", on="read", count=5)
    deliver(fixture("ig_comments.json"))
    assert InboundEvent.objects.get().state == EventState.DONE
    conversation = Conversation.objects.get()
    assert conversation.messages.count() == 1
    assert conversation.context_state == ContextState.WANTED

    from inbox.enrich import fetch_context

    ig_standin.faults.clear()
    Conversation.objects.filter(pk=conversation.pk).update(context_due_at=timezone.now())
    assert fetch_context(conversation.pk) == "loaded"
    assert Conversation.objects.get().context["text"] == MEDIA_CAPTION


def test_reply_joins_the_top_level_comments_conversation(channel, deliver):
    """`comments` change with `parent_id` ("ID of parent IG Comment"), WEBHOOKS_REFERENCE;
    fixture ig_comment_reply.json."""
    deliver(fixture("ig_comments.json"))
    deliver(fixture("ig_comment_reply.json"))

    conversation = Conversation.objects.get()
    assert list(conversation.messages.values_list("external_id", flat=True)) == [
        "17951830425873216",
        "17873440912056789",
    ]
    reply = conversation.messages.get(external_id="17873440912056789")
    assert reply.parent.external_id == "17951830425873216"
    assert reply.author_identity.handle == "maria.gomez.bcn"
    assert reply.text == "@lin.xiaoyu_ yo también lo quiero en talla M 🙋‍♀️"


def test_reply_that_overtakes_its_comment_still_lands_in_one_conversation(channel, deliver):
    """Meta does not order deliveries (https://developers.facebook.com/docs/graph-api/webhooks/
    getting-started/); the reply first, then its comment."""
    deliver(fixture("ig_comment_reply.json"))
    deliver(fixture("ig_comments.json"))

    conversation = Conversation.objects.get()
    assert conversation.external_thread_id == "17951830425873216"
    reply = conversation.messages.get(external_id="17873440912056789")
    assert reply.parent.external_id == "17951830425873216"


def test_our_own_reply_coming_back_through_comments_is_not_a_customer_message(channel, deliver):
    """Our replies come back in the `comments` field with `from.id` = the account (WEBHOOKS_REFERENCE)."""
    deliver(fixture("ig_comments.json"))
    echo = fixture("ig_comment_reply.json")
    value = echo["entry"][0]["changes"][0]["value"]
    value["from"] = {"id": ACCOUNT_ID, "username": "polarisoutfitters"}
    value["id"], value["text"] = "17990000000000001", "Yes! Size M is back 🙌"
    deliver(echo)

    ours = Message.objects.get(external_id="17990000000000001")
    assert ours.direction == Direction.OUTBOUND
    assert ours.sent_natively  # no action of ours matches: someone answered in the app
    assert ours.author_identity is None
    conversation = Conversation.objects.get()
    assert conversation.state == "pending"
    assert Identity.objects.filter(external_id=ACCOUNT_ID).count() == 0


# ---- mentions ---------------------------------------------------------------------------------


def _seed_mentions(standin):
    """The stand-in answers the mention lookups with the documented fixture values."""
    comment = fixture("graph_mentioned_comment.json")["mentioned_comment"]
    media = standin.account.add_foreign_media(
        username=comment["username"], media_id="17920238422030506"
    )
    standin.account.add_foreign_comment(
        media_id=media.id,
        username=comment["username"],
        text=comment["text"],
        comment_id=comment["id"],
    )
    caption = fixture("graph_mentioned_media.json")["mentioned_media"]
    standin.account.add_foreign_media(
        username="alpinist.ru", caption=caption["caption"], media_id=caption["id"]
    )


def test_mention_in_a_comment_is_shown_at_once_and_its_text_read_after(deliver, ig_standin):
    """`mentions` change `{media_id, comment_id}` has no text; it is read afterwards with
    `GET /{ig-user-id}?fields=mentioned_comment.comment_id(...)`:
    https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login/mentions
    (fixtures ig_mentions_comment.json, graph_mentioned_comment.json)."""
    make_ig_channel(ig_standin.graph_url)
    _seed_mentions(ig_standin)
    deliver(fixture("ig_mentions_comment.json"))

    conversation = Conversation.objects.get()
    assert conversation.kind == "mention"
    assert conversation.context["id"] == "17920238422030506"  # the media it is on
    assert conversation.context_state == ContextState.COMPLETE
    message = conversation.messages.get()
    assert message.external_id == "17887498072083520"
    assert message.text == "@polarisoutfitters la mochila llegó rota, ¿a quién escribo? 😕"
    assert message.author_identity.handle == "pablo.trekking"
    assert "pablo.trekking" in conversation.context["text"]
    assert ("GET", f"/{ACCOUNT_ID}") in ig_standin.calls  # the read went to the Graph API
    assert InboundEvent.objects.get().state == EventState.DONE


def test_mention_in_a_caption_reads_the_caption_after(deliver, ig_standin):
    """Caption mention `{media_id}` only; text via `mentioned_media.media_id(...)` (same page;
    fixtures ig_mentions_caption.json, graph_mentioned_media.json)."""
    make_ig_channel(ig_standin.graph_url)
    _seed_mentions(ig_standin)
    deliver(fixture("ig_mentions_caption.json"))

    message = Message.objects.get()
    assert message.external_id == "17966123457012345"
    assert message.text.startswith("Дошли до вершины! Спасибо @polarisoutfitters")
    assert message.conversation.kind == "mention"
    assert message.conversation.context["permalink"].startswith("https://www.instagram.com/p/")


def test_mention_is_shown_with_the_graph_api_down_and_filled_in_once_it_answers(
    deliver, ig_standin
):
    """Parsing never reads Graph: with the stand-in unreachable the mention is stored and
    shown at once (its event done), and its text comes when a read succeeds."""
    from inbox import enrich

    channel = make_ig_channel("http://127.0.0.1:9")  # nothing listens there
    _seed_mentions(ig_standin)
    deliver(fixture("ig_mentions_comment.json"))

    assert InboundEvent.objects.get().state == EventState.DONE
    message = Message.objects.get()
    assert message.external_id == "17887498072083520" and message.text == ""
    conversation = message.conversation
    assert conversation.kind == "mention"
    assert conversation.context_state == ContextState.WANTED
    assert conversation.context["text"].startswith("another account's post")

    Channel.objects.filter(pk=channel.pk).update(api_base_url=ig_standin.graph_url)
    Conversation.objects.filter(pk=conversation.pk).update(context_due_at=timezone.now())
    assert enrich.fetch_context(conversation.pk) == "loaded"
    message.refresh_from_db()
    assert message.text.startswith("@polarisoutfitters la mochila")
    assert message.author_identity.handle == "pablo.trekking"


def test_mention_the_graph_api_will_not_show_keeps_what_the_webhook_said(deliver, ig_standin):
    """A mention Instagram no longer shows (removed) is settled as withheld, still shown."""
    make_ig_channel(ig_standin.graph_url)  # nothing seeded: the lookup finds nothing
    deliver(fixture("ig_mentions_caption.json"))

    message = Message.objects.get()
    assert message.external_id == "17966123457012345"
    assert message.conversation.context_state == ContextState.WITHHELD
    assert message.conversation.context["text"] == "a post that mentions you"


# ---- messages ---------------------------------------------------------------------------------


def test_dm_text_opens_a_private_thread_with_the_person(channel, deliver):
    """`messages` with text, MESSAGING_WEBHOOKS; fixture ig_messages_text.json."""
    deliver(fixture("ig_messages_text.json"))

    conversation = Conversation.objects.get()
    assert conversation.kind == "dm"
    assert conversation.external_thread_id == f"dm:{DM_CUSTOMER}"
    message = conversation.messages.get()
    assert message.visibility == Visibility.PRIVATE
    assert message.text.startswith("Hallo! Ist die Jacke „Aurora“ wasserdicht")
    assert message.author_identity.external_id == DM_CUSTOMER
    assert message.platform_timestamp.timestamp() == pytest.approx(1742062229.884)


def test_story_mention_is_a_dm_with_the_story_attached(channel, deliver):
    """Attachment `story_mention` (https://developers.facebook.com/docs/messenger-platform/
    instagram/features/story-mention); fixture ig_messages_story_mention.json."""
    deliver(fixture("ig_messages_story_mention.json"))

    message = Message.objects.get()
    assert message.conversation.kind == "dm"
    assert message.text == ""
    assert message.attachments == [
        {
            "type": "story_mention",
            "url": (
                "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17999123456789012"
                "&signature=AbxFakeSig123"
            ),
        }
    ]
    assert message.extra["story_mention"]["type"] == "story_mention"
    assert message.conversation.preview == "[story_mention]"
    assert message.conversation.context["type"] == "story_mention"
    assert message.conversation.context["media_url"] == message.attachments[0]["url"]


def test_story_reply_keeps_the_story_as_context(channel, deliver):
    """`message.reply_to.story{id,url}` (chatwoot's recorded event); fixture
    ig_messages_story_reply.json; MESSAGING_WEBHOOKS."""
    deliver(fixture("ig_messages_story_reply.json"))

    message = Message.objects.get()
    assert message.text == "Wo kann man die Mütze aus der Story kaufen? 😍"
    assert message.extra["story_reply"]["id"] == "18035566778899001"
    assert message.conversation.context == {
        "type": "story",
        "text": "Their story",
        "id": "18035566778899001",
        "media_url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=18035566778899001"
        "&signature=AbyFakeSig456",
    }


def test_unsend_marks_the_message_deleted_but_keeps_it(channel, deliver):
    """`message.is_deleted: true` (unsend); fixture ig_messages_unsend.json. Its mid is the
    story reply's."""
    deliver(fixture("ig_messages_story_reply.json"))
    deliver(fixture("ig_messages_unsend.json"))

    message = Message.objects.get()
    assert message.deleted is True
    assert message.text == "Wo kann man die Mütze aus der Story kaufen? 😍"


def test_unsend_before_the_message_arrives_is_remembered(channel, deliver):
    deliver(fixture("ig_messages_unsend.json"))
    deliver(fixture("ig_messages_story_reply.json"))

    message = Message.objects.get()
    assert message.deleted is True
    assert message.placeholder is False


def test_echo_of_a_message_sent_in_the_instagram_app_is_an_agent_message(channel, deliver):
    """`is_echo: true` in `messages` ("is_echo flag will be present", MESSAGING_WEBHOOKS);
    fixture ig_messages_echo.json. Nothing of ours matches it: a person answered natively."""
    deliver(fixture("ig_messages_text.json"))
    deliver(fixture("ig_messages_echo.json"))

    conversation = Conversation.objects.get()
    echo = conversation.messages.get(direction=Direction.OUTBOUND)
    assert echo.sent_natively is True
    assert echo.text.startswith("Hallo! Die Aurora ist komplett wasserdicht")
    assert conversation.state == "pending"
    assert conversation.first_response_at is not None


def test_echo_of_our_own_send_matches_it_and_creates_nothing(channel, deliver):
    """Echo matched by the mid the Send API returned (https://developers.facebook.com/docs/
    messenger-platform/reference/send-api)."""
    deliver(fixture("ig_messages_text.json"))
    conversation = Conversation.objects.get()
    echo = fixture("ig_messages_echo.json")
    mid = echo["entry"][0]["messaging"][0]["message"]["mid"]
    ours = Message.objects.create(
        conversation=conversation,
        channel=channel,
        direction=Direction.OUTBOUND,
        visibility=Visibility.PRIVATE,
        text="Hallo!",
        external_id=mid,
        delivery_status=DeliveryStatus.POSTED,
    )
    OutboundAction.objects.create(
        channel=channel,
        conversation=conversation,
        message=ours,
        kind=ActionKind.DM,
        state=ActionState.DONE,
        attempts=1,
        external_id=mid,
    )
    deliver(echo)

    assert Conversation.objects.count() == 1
    assert conversation.messages.count() == 2  # the customer's and ours: no third
    assert conversation.messages.filter(direction=Direction.OUTBOUND).get() == ours
    ours.refresh_from_db()
    assert ours.sent_natively is False


def test_messaging_seen_marks_our_messages_read_up_to_that_mid(channel, deliver):
    """`messaging_seen`: `read{mid}`, a mid and not a watermark (channels_ig/fixtures/README.md,
    chatwoot's recorded event); fixture ig_messaging_seen.json, whose mid is the echo's."""
    deliver(fixture("ig_messages_text.json"))
    deliver(fixture("ig_messages_echo.json"))
    deliver(fixture("ig_messaging_seen.json"))

    ours = Message.objects.get(direction=Direction.OUTBOUND)
    assert ours.delivery_status == DeliveryStatus.READ


# ---- batches, replays, refusals ---------------------------------------------------------------


def _batch() -> dict:
    """Several entries, each with items, in one POST (as Meta batches them)."""
    batch = {"object": "instagram", "entry": []}
    for name in (
        "ig_comments.json",
        "ig_comment_reply.json",
        "ig_messages_text.json",
        "ig_messages_story_reply.json",
        "ig_messages_echo.json",
    ):
        batch["entry"] += fixture(name)["entry"]
    return batch


def test_a_batch_stores_every_item_and_replaying_it_changes_nothing(channel, deliver):
    """Delivery is at least once and batched (https://developers.facebook.com/docs/graph-api/
    webhooks/getting-started/): the same batch again must not change anything."""
    deliver(_batch())
    first = snapshot()
    assert first[2] == 5
    assert len(first[0]) == 2  # the comment thread and the DM thread
    assert InboundEvent.objects.filter(state=EventState.DONE).count() == 5

    response = deliver(copy.deepcopy(_batch()))
    assert response.content == b"stored 0 of 5"
    assert snapshot() == first


def test_forged_signature_is_refused_and_stores_nothing(channel, client):
    """`X-Hub-Signature-256` over the raw bytes with the app secret (getting-started,
    "Validate Payloads")."""
    response = post_webhook(client, fixture("ig_comments.json"), secret="not-the-app-secret")
    assert response.status_code == 403
    response = post_webhook(client, fixture("ig_comments.json"), signed=False)
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


def test_signature_is_checked_over_the_raw_bytes(channel, client):
    """A body signed as sent but re-serialised differently still verifies only on its bytes."""
    from tests.support.instagram import signed_headers

    body = b'{"object":"instagram","entry":[]}'
    tampered = b'{"object": "instagram", "entry": []}'
    response = client.post(
        WEBHOOK_URL, data=tampered, content_type="application/json", **signed_headers(body)
    )
    assert response.status_code == 403


def test_verification_handshake(client, settings):
    """GET `hub.mode=subscribe&hub.challenge=...&hub.verify_token=...` → the bare challenge
    (https://developers.facebook.com/docs/graph-api/webhooks/getting-started/)."""
    settings.META_VERIFY_TOKEN = "s3cret-verify"
    ok = client.get(
        WEBHOOK_URL,
        {
            "hub.mode": "subscribe",
            "hub.challenge": "1158201444",
            "hub.verify_token": "s3cret-verify",
        },
    )
    assert ok.status_code == 200
    assert ok.content == b"1158201444"
    wrong = client.get(
        WEBHOOK_URL,
        {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "guess"},
    )
    assert wrong.status_code == 403


def test_unknown_field_is_kept_and_marked_unsupported(channel, deliver):
    """Fields we do not handle (e.g. `story_insights`, WEBHOOKS_REFERENCE) are stored, never dropped."""
    deliver(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": ACCOUNT_ID,
                    "time": 1742061022,
                    "changes": [
                        {
                            "field": "story_insights",
                            "value": {"media_id": "1799", "impressions": 44},
                        }
                    ],
                }
            ],
        }
    )

    event = InboundEvent.objects.get()
    assert event.state == EventState.UNSUPPORTED
    assert "story_insights" in event.last_error
    assert event.payload["value"]["impressions"] == 44
    assert not Message.objects.exists()


def test_changes_without_the_wrapper_are_accepted(channel, deliver):
    """The examples page prints `field`/`value` without `changes[]`
    (https://developers.facebook.com/docs/instagram-platform/webhooks/examples)."""
    body = fixture("ig_comments.json")
    entry = body["entry"][0]
    change = entry.pop("changes")[0]
    entry.update(change)
    deliver(body)

    assert Message.objects.get().external_id == "17951830425873216"


def test_hostile_text_is_stored_verbatim_for_escaping_on_display(channel, deliver):
    body = fixture("ig_comments.json")
    body["entry"][0]["changes"][0]["value"]["text"] = "<script>alert(1)</script>"
    body["entry"][0]["changes"][0]["value"]["from"]["username"] = 'x"><img src=x>'
    deliver(body)

    message = Message.objects.get()
    assert message.text == "<script>alert(1)</script>"
    assert message.author_identity.profile_url == ""  # never a URL built from odd usernames


def test_events_stored_before_the_one_meta_splitter_still_parse(channel):
    """Instagram events stored in the earlier shape (`kind` wrapping the item) read as before,
    so no data migration is needed."""
    from channels_ig import parse

    body = fixture("ig_comments.json")
    entry = body["entry"][0]
    legacy = {
        "object": "instagram",
        "account_id": entry["id"],
        "time": entry["time"],
        "kind": "change",
        "change": entry["changes"][0],
    }
    (item,) = parse.parse(legacy, channel)
    assert item.external_id == "17951830425873216"
    assert item.context_external_id == MEDIA_ID

    dm = fixture("ig_messages_text.json")["entry"][0]
    legacy_dm = {"kind": "messaging", "account_id": dm["id"], "messaging": dm["messaging"][0]}
    (message,) = parse.parse(legacy_dm, channel)
    assert message.thread_id == f"dm:{DM_CUSTOMER}"
