"""Facebook Page webhooks: one test per documented payload shape, posted signed through the
real URL (/webhooks/facebook/), asserting what an agent would see.

Feed reference:      https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
Messenger events:    https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events
Verification/signing: https://developers.facebook.com/docs/graph-api/webhooks/getting-started/
"""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_fb.standin import PAGE_ID
from inbox.connectors import EventToStore
from inbox.enrich import fetch_context
from inbox.ingest import store_events
from inbox.models import (
    ActionKind,
    ActionState,
    AuditEvent,
    ContextState,
    Conversation,
    ConversationState,
    DeliveryStatus,
    Direction,
    EventState,
    InboundEvent,
    Message,
    OutboundAction,
    Visibility,
)
from meta.webhooks import sign_body, verify_signature
from tests.support.facebook import (
    deliver,
    fixture,
    fixture_bytes,
    make_fb_channel,
    post_signed,
)

pytestmark = pytest.mark.django_db

COMMENT_ID = "122154830261048877_1043998217411287"
POST_ID = "104578293366512_122154830261048877"
PSID = "7390125538764019"


@pytest.fixture
def channel(graph_standin):
    # The comments' post is fetched for context from the Graph stand-in.
    return make_fb_channel(api_base_url=graph_standin.url)


@pytest.fixture
def send(client, django_capture_on_commit_callbacks, channel):
    def send(*bodies, **kwargs):
        responses = deliver(django_capture_on_commit_callbacks, client, *bodies, **kwargs)
        assert all(r.status_code == 200 for r in responses), [r.content for r in responses]
        return responses

    return send


def snapshot():
    return (
        InboundEvent.objects.count(),
        Conversation.objects.count(),
        Message.objects.count(),
        AuditEvent.objects.count(),
        sorted(Message.objects.values_list("external_id", "text", "edited", "deleted", "hidden")),
    )


# ---- feed -------------------------------------------------------------------------------------


def test_new_comment_opens_a_conversation_with_the_post_as_context(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed (item=comment, verb=add)
    send("fb_feed_comment_add")
    conversation = Conversation.objects.get()
    assert conversation.kind == "comment"
    assert conversation.external_thread_id == COMMENT_ID
    assert conversation.state == ConversationState.OPEN
    assert conversation.context_external_id == POST_ID
    assert (
        conversation.context["permalink"]
        == "https://www.facebook.com/104578293366512/posts/122154830261048877"
    )
    message = conversation.messages.get()
    assert message.direction == Direction.INBOUND
    assert message.text.startswith("Здравствуйте! Заказ №48213")
    assert message.author_identity.name == "Марина Соколова"
    assert message.author_identity.platform == "facebook"
    assert conversation.contact.name == "Марина Соколова"
    assert "comment_id=1043998217411287" in message.permalink


def test_reply_joins_the_top_level_comment_conversation(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed (parent_id = comment)
    send("fb_feed_comment_add", "fb_feed_comment_reply")
    conversation = Conversation.objects.get()
    reply = conversation.messages.exclude(external_id=COMMENT_ID).get()
    assert reply.parent.external_id == COMMENT_ID
    assert (
        reply.text == fixture("fb_feed_comment_reply")["entry"][0]["changes"][0]["value"]["message"]
    )


def test_reply_arriving_before_its_comment_still_threads(send):
    send("fb_feed_comment_reply", "fb_feed_comment_add")
    conversation = Conversation.objects.get()
    assert conversation.messages.count() == 2
    assert conversation.messages.get(parent__isnull=False).parent.external_id == COMMENT_ID


def test_edited_comment_keeps_history(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed (verb=edited)
    send("fb_feed_comment_add", "fb_feed_comment_edited")
    message = Message.objects.get(external_id=COMMENT_ID)
    new_text = fixture("fb_feed_comment_edited")["entry"][0]["changes"][0]["value"]["message"]
    assert message.edited and message.text == new_text
    assert message.edit_history[0]["text"].startswith("Здравствуйте! Заказ №48213")


def test_removed_comment_is_marked_deleted_not_erased(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed (verb=remove)
    send("fb_feed_comment_add", "fb_feed_comment_remove")
    message = Message.objects.get(external_id=COMMENT_ID)
    assert message.deleted
    assert message.text.startswith("Здравствуйте!")


def test_hidden_comment_is_flagged(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed (verb=hide)
    send("fb_feed_comment_add", "fb_feed_comment_hide")
    assert Message.objects.get(external_id=COMMENT_ID).hidden


def test_visitor_post_is_its_own_conversation(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed (item=status)
    send("fb_feed_post_add")
    conversation = Conversation.objects.get()
    assert conversation.kind == "post"
    assert conversation.external_thread_id == "104578293366512_122155017733904161"
    assert conversation.messages.get().text.startswith("¡Hola! Compré la chaqueta Aurora")
    assert conversation.contact.name == "Lucía Fernández"


# ---- the post a comment is on -------------------------------------------------------------------
# The feed webhook names the post only by id and permalink; its text is read once with
# GET /{post-id}?fields=message,permalink_url,created_time,full_picture,from
# https://developers.facebook.com/docs/graph-api/reference/page-post
# https://developers.facebook.com/docs/graph-api/reference/post/


def post_reads(standin, post_id=POST_ID):
    return [call for call in standin.calls if call == ("GET", f"/{post_id}")]


def comment_body(
    *, comment_id, post_id=POST_ID, parent_id=None, author=None, message="?", created=1741945300
):
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": created,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "from": author or {"id": "5512038874410236", "name": "Jürgen Becker"},
                            "post": {
                                "status_type": "mobile_status_update",
                                "is_published": True,
                                "updated_time": "2025-03-15T09:41:27+0000",
                                "promotion_status": "inactive",
                                "permalink_url": "https://www.facebook.com/"
                                + post_id.replace("_", "/posts/"),
                                "id": post_id,
                            },
                            "message": message,
                            "post_id": post_id,
                            "comment_id": comment_id,
                            "created_time": created,
                            "item": "comment",
                            "parent_id": parent_id or post_id,
                            "verb": "add",
                        },
                    }
                ],
            }
        ],
    }


def test_comment_shows_the_post_it_is_on_fetched_once(send, graph_standin):
    send("fb_feed_comment_add")
    conversation = Conversation.objects.get()
    post = graph_standin.posts[POST_ID]
    assert conversation.context["text"] == post["message"]
    assert (
        conversation.context["permalink"]
        == "https://www.facebook.com/104578293366512/posts/122154830261048877"
    )
    assert conversation.context["media_url"] == post["picture"]
    assert conversation.context["created"].endswith("+0000")
    assert not conversation.context["by_visitor"]
    assert len(post_reads(graph_standin)) == 1
    # Another comment on the same post reuses what is stored: no second call.
    send(comment_body(comment_id="122154830261048877_1044000000000001", message="Size M?"))
    other = Conversation.objects.get(external_thread_id="122154830261048877_1044000000000001")
    assert other.context["text"] == post["message"]
    assert len(post_reads(graph_standin)) == 1


def test_a_batch_reads_the_stored_context_of_its_posts_in_one_statement(send, graph_standin):
    """Fifty comments in one delivery cost one read of what their posts' contexts are, not
    one each (issue 10); each comment still gets its own post's context."""
    send("fb_feed_comment_add")  # the post is read from Graph once and stored
    other_post = f"{PAGE_ID}_9000000000000001"
    comments = [
        comment_body(comment_id=f"{POST_ID}_20{n}", message=f"Size {n}?") for n in range(3)
    ] + [comment_body(comment_id=f"{other_post}_301", post_id=other_post, message="And this?")]
    body = {"object": "page", "entry": [e for c in comments for e in c["entry"]]}
    with CaptureQueriesContext(connection) as queries:
        send(body)
    # What a stored-context look-up asks: a conversation on the post with a text.
    stored_context_reads = [q for q in queries if "? 'text'" in q["sql"]]
    if connection.vendor == "postgresql":
        assert len(stored_context_reads) == 1, "\n\n".join(
            q["sql"][:300] for q in stored_context_reads
        )
    for n in range(3):
        convo = Conversation.objects.get(external_thread_id=f"{POST_ID}_20{n}")
        assert convo.context["text"].startswith("Meet the Aurora jacket")
    # The post nothing stored yet is its own: not given the other post's context.
    unknown = Conversation.objects.get(external_thread_id=f"{other_post}_301")
    assert unknown.context["post_id"] == other_post
    assert not unknown.context.get("text", "").startswith("Meet the Aurora jacket")


def test_post_read_failure_shows_the_comment_at_once_and_the_post_later(send, graph_standin):
    graph_standin.inject("500", match=POST_ID)
    send("fb_feed_comment_add")
    assert InboundEvent.objects.get().state == EventState.DONE
    conversation = Conversation.objects.get()
    assert conversation.messages.count() == 1
    assert conversation.context_state == ContextState.WANTED
    assert "text" not in conversation.context
    # Graph is back by the time the retry is due.
    Conversation.objects.filter(pk=conversation.pk).update(context_due_at=timezone.now())
    assert fetch_context(conversation.pk) == "loaded"
    conversation.refresh_from_db()
    assert conversation.context["text"].startswith("Meet the Aurora jacket")
    assert conversation.context_state == ContextState.COMPLETE


def test_a_poll_that_reads_the_post_completes_a_context_still_wanted(
    send, graph_standin, django_capture_on_commit_callbacks
):
    graph_standin.inject("500", match=POST_ID, count=100)
    send("fb_feed_comment_add")
    assert Conversation.objects.get().context_state == ContextState.WANTED
    # The poll reads posts with their comments (GET /{page-id}/feed, /{post-id}/comments).
    polled = {
        "field": "poll_comment",
        "post": {
            "id": POST_ID,
            "message": "Meet the Aurora jacket: warm, light, made to last.",
            "from": {"id": PAGE_ID},
            "created_time": "2025-03-14T08:41:24+0000",
        },
        "value": {
            "id": COMMENT_ID,
            "message": "Здравствуйте! Заказ №48213 так и не пришёл",
            "from": {"id": "6984412238391107", "name": "Марина Соколова"},
            "created_time": "2025-03-14T09:41:24+0000",
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        store_events("facebook", [EventToStore("poll:comment:1", polled, PAGE_ID)], source="poll")
    conversation = Conversation.objects.get()
    assert conversation.context["text"].startswith("Meet the Aurora jacket")
    assert conversation.context_state == ContextState.COMPLETE
    assert conversation.messages.count() == 1


def test_post_facebook_will_not_show_keeps_the_webhook_context(send, graph_standin):
    del graph_standin.posts[POST_ID]  # removed since: Graph answers code 100
    send("fb_feed_comment_add")
    conversation = Conversation.objects.get()
    assert "text" not in conversation.context
    assert conversation.context_state == ContextState.WITHHELD
    assert conversation.context["permalink"].endswith("/posts/122154830261048877")
    assert conversation.messages.count() == 1


VISITOR_POST = "104578293366512_122155017733904161"
LUCIA = {"id": "9120457731826605", "name": "Lucía Fernández"}


def test_comments_on_a_visitor_post_continue_its_conversation(send):
    send("fb_feed_post_add")
    send(
        comment_body(
            comment_id="122155017733904161_1044100000000001",
            post_id=VISITOR_POST,
            message="Same zip problem here.",
        )
    )
    send(
        comment_body(
            comment_id="122155017733904161_1044100000000002",
            post_id=VISITOR_POST,
            parent_id="122155017733904161_1044100000000001",
            author=LUCIA,
            message="@Jürgen did they answer you?",
        )
    )
    conversation = Conversation.objects.get()
    assert conversation.kind == "post" and conversation.external_thread_id == VISITOR_POST
    comment = conversation.messages.get(external_id="122155017733904161_1044100000000001")
    reply = conversation.messages.get(external_id="122155017733904161_1044100000000002")
    assert comment.parent.external_id == VISITOR_POST
    assert reply.parent == comment
    assert conversation.context["text"].startswith("¡Hola! Compré la chaqueta Aurora")


def test_comment_before_its_visitor_post_still_joins_it(send, graph_standin):
    # Feed changes arrive in any order: the comment's post is read, and it is a visitor's.
    graph_standin.posts[VISITOR_POST] = {
        "id": VISITOR_POST,
        "page_id": PAGE_ID,
        "from": LUCIA,
        "created_time": 1742031655,
        "message": "¡Hola! Compré la chaqueta Aurora en vuestra web y la cremallera se rompió.",
    }
    send(comment_body(comment_id="122155017733904161_1044100000000001", post_id=VISITOR_POST))
    send("fb_feed_post_add")
    conversation = Conversation.objects.get()
    assert conversation.kind == "post" and conversation.external_thread_id == VISITOR_POST
    assert conversation.context["by_visitor"]
    assert sorted(conversation.messages.values_list("external_id", flat=True)) == sorted(
        [VISITOR_POST, "122155017733904161_1044100000000001"]
    )


def test_page_comment_on_a_visitor_post_is_an_answer_in_its_thread(send):
    send("fb_feed_post_add")
    send(
        comment_body(
            comment_id="122155017733904161_1044100000000009",
            post_id=VISITOR_POST,
            author={"id": PAGE_ID, "name": "Polaris Outfitters"},
            message="Lucía, we will replace the zip. Check your Messenger.",
        )
    )
    conversation = Conversation.objects.get()
    answer = conversation.messages.get(direction=Direction.OUTBOUND)
    assert answer.sent_natively and answer.parent.external_id == VISITOR_POST
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.PENDING


def test_page_reply_typed_on_facebook_is_an_agent_answer(send):
    # The Page's own comment comes back through `feed` with from.id == page id.
    send("fb_feed_comment_add", "fb_feed_page_reply_echo")
    conversation = Conversation.objects.get()
    echo = conversation.messages.get(direction=Direction.OUTBOUND)
    assert echo.sent_natively
    assert echo.author_identity is None
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.PENDING
    assert conversation.first_response_at is not None


def test_echo_of_our_own_reply_creates_nothing_new(send, channel):
    send("fb_feed_comment_add")
    conversation = Conversation.objects.get()
    ours = Message.objects.create(
        conversation=conversation,
        channel=channel,
        direction=Direction.OUTBOUND,
        text="Марина, здравствуйте!",
        external_id="122154830261048877_1044030118842102",
        delivery_status=DeliveryStatus.POSTED,
    )
    send("fb_feed_page_reply_echo")
    assert Conversation.objects.count() == 1
    assert list(conversation.messages.filter(direction=Direction.OUTBOUND)) == [ours]
    ours.refresh_from_db()
    assert not ours.sent_natively


def test_batch_stores_every_change_and_replay_changes_nothing(send):
    # https://developers.facebook.com/docs/graph-api/webhooks/getting-started/ (batched entries)
    send("fb_feed_batch")
    assert InboundEvent.objects.count() == 4  # 3 changes + 1 in the second entry
    assert Conversation.objects.count() == 2
    kadri = Message.objects.get(external_id="122154830261048877_1044051862270919")
    assert kadri.edited and "(Omniva)" in kadri.text
    reaction = InboundEvent.objects.get(payload__value__item="reaction")
    assert reaction.state == EventState.UNSUPPORTED
    before = snapshot()
    send("fb_feed_batch")
    assert snapshot() == before


def test_unknown_field_is_kept_and_marked_unsupported(send):
    body = {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1741950915,
                "changes": [{"field": "ratings", "value": {"review_text": "Great", "verb": "add"}}],
            }
        ],
    }
    send(body)
    event = InboundEvent.objects.get()
    assert event.state == EventState.UNSUPPORTED
    assert event.payload["value"]["review_text"] == "Great"
    assert Conversation.objects.count() == 0


def test_meta_escaped_body_is_accepted(send):
    # Meta sends non-ASCII as \uXXXX and "/" as "\/"; the signature covers those bytes.
    send(fixture("fb_feed_comment_add"))
    assert Message.objects.get().text.startswith("Здравствуйте!")


# ---- Messenger --------------------------------------------------------------------------------


def test_messenger_text_is_a_private_dm_thread_per_person(send):
    # https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/messages
    send("fb_messages_text")
    conversation = Conversation.objects.get()
    assert conversation.kind == "dm"
    assert conversation.external_thread_id == PSID
    message = conversation.messages.get()
    assert message.visibility == Visibility.PRIVATE
    assert (
        message.text == fixture("fb_messages_text")["entry"][0]["messaging"][0]["message"]["text"]
    )


def test_messenger_attachments(send):
    # https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages
    send("fb_messages_attachments")
    message = Message.objects.get()
    assert [a["type"] for a in message.attachments] == ["image", "file"]
    assert message.attachments[1]["url"].startswith("https://cdn.fbsbx.com/")
    assert Conversation.objects.get().preview == "[image, file]"


def test_messenger_quick_reply(send):
    # https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages (quick_reply)
    send("fb_messages_quick_reply")
    message = Message.objects.get()
    assert message.text == "退货"
    assert message.extra["quick_reply_payload"] == "SB_QR_RETURNS"


def test_messenger_reply_to(send):
    # https://developers.facebook.com/docs/messenger-platform/reference/webhook-events/messages (reply_to)
    send("fb_messages_reply_to")
    message = Message.objects.get()
    assert message.parent_external_id.startswith("m_Ab1Cd2Ef3")


def test_messenger_postback(send):
    # https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/messaging_postbacks
    send("fb_messaging_postback")
    message = Message.objects.get()
    assert message.text == "Get Started"
    assert message.extra["postback_payload"] == "SB_GET_STARTED"
    assert message.extra["referral"]["ref"] == "spring_sale_ee"


def test_messenger_referral(send):
    # https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/messaging_referrals
    send("fb_messages_text", "fb_messaging_referral")
    conversation = Conversation.objects.get()
    referral = conversation.messages.get(extra__referral__ref="order_48213")
    assert "order_48213" in referral.text


def test_echo_of_our_send_is_matched_by_metadata(send, channel):
    # https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/message-echoes
    send("fb_messages_text")
    conversation = Conversation.objects.get()
    ours = Message.objects.create(
        conversation=conversation,
        channel=channel,
        direction=Direction.OUTBOUND,
        text="您好！",
        delivery_status=DeliveryStatus.SENDING,
    )
    action = OutboundAction.objects.create(
        channel=channel,
        conversation=conversation,
        kind=ActionKind.DM,
        message=ours,
        state=ActionState.SENDING,
        attempts=1,
    )
    body = fixture("fb_message_echo_app")
    body["entry"][0]["messaging"][0]["message"]["metadata"] = f"sb:action:{action.pk}"
    send(body)
    assert Conversation.objects.count() == 1
    ours.refresh_from_db()
    assert ours.external_id == body["entry"][0]["messaging"][0]["message"]["mid"]
    assert conversation.messages.filter(direction=Direction.OUTBOUND).count() == 1


def test_echo_of_our_send_is_matched_by_message_id(send, channel):
    send("fb_messages_text")
    conversation = Conversation.objects.get()
    mid = fixture("fb_message_echo_app")["entry"][0]["messaging"][0]["message"]["mid"]
    Message.objects.create(
        conversation=conversation,
        channel=channel,
        external_id=mid,
        direction=Direction.OUTBOUND,
        text="您好！",
    )
    send("fb_message_echo_app")
    assert Message.objects.count() == 2
    assert not Message.objects.get(external_id=mid).sent_natively


def test_message_typed_in_the_page_inbox_is_an_agent_message(send):
    # Echo with another app_id and no metadata: a person answered in Meta Business Suite.
    send("fb_messages_text", "fb_message_echo_native")
    conversation = Conversation.objects.get()
    native = conversation.messages.get(direction=Direction.OUTBOUND)
    assert native.sent_natively
    assert native.extra["sent_from"] == "page_inbox"
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.PENDING
    assert AuditEvent.objects.filter(verb="answered_natively").exists()


def test_delivery_and_read_watermarks_update_our_message(send, channel):
    # https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/message-deliveries
    # https://developers.facebook.com/documentation/business-messaging/messenger-platform/webhooks/webhook-events/message-reads
    send("fb_messages_text", "fb_message_echo_app")
    ours = Message.objects.get(direction=Direction.OUTBOUND)
    assert ours.delivery_status == DeliveryStatus.POSTED
    send("fb_message_delivery")
    ours.refresh_from_db()
    assert ours.delivery_status == DeliveryStatus.DELIVERED
    send("fb_message_read")
    ours.refresh_from_db()
    assert ours.delivery_status == DeliveryStatus.READ


def test_replaying_messenger_events_changes_nothing(send):
    names = [
        "fb_messages_text",
        "fb_messages_attachments",
        "fb_message_echo_native",
        "fb_message_read",
    ]
    send(*names)
    before = snapshot()
    send(*names)
    assert snapshot() == before


# ---- refusals and the handshake -------------------------------------------------------------


@pytest.mark.parametrize("signature", ["", "sha256=" + "0" * 64, "sha1=abc"])
def test_unsigned_or_forged_requests_are_refused_and_store_nothing(client, channel, signature):
    response = post_signed(client, fixture_bytes("fb_feed_comment_add"), signature=signature)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_body_signed_with_another_secret_is_refused(client, channel):
    response = post_signed(client, fixture_bytes("fb_feed_comment_add"), secret="not-ours")
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_body_altered_after_signing_is_refused(client, channel):
    raw = fixture_bytes("fb_feed_comment_add")
    signature = sign_body(raw, "switchboard-test-app-secret")
    response = post_signed(client, raw.replace(b"48213", b"48214"), signature=signature)
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_hub_challenge_handshake(client, settings):
    # https://developers.facebook.com/docs/graph-api/webhooks/getting-started/ (Verification Requests)
    settings.META_VERIFY_TOKEN = "polaris-verify"
    ok = client.get(
        "/webhooks/facebook/",
        {
            "hub.mode": "subscribe",
            "hub.challenge": "1158201444",
            "hub.verify_token": "polaris-verify",
        },
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    wrong = client.get(
        "/webhooks/facebook/",
        {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "guess"},
    )
    assert wrong.status_code == 403 and b"1158201444" not in wrong.content


def test_signature_test_vector():
    # docs/platform-fixtures.md "Signature test vectors"
    raw = fixture_bytes("fb_feed_comment_add")
    assert len(raw) == 1178
    expected = "sha256=15606d39993cfc7cd38c6380e2bd8e12119116f562bb5c93ab1647e845285e0b"
    assert sign_body(raw, "switchboard-test-app-secret") == expected
    assert verify_signature(raw, expected, "switchboard-test-app-secret")
    assert not verify_signature(
        json.dumps(json.loads(raw)).encode(), expected, "switchboard-test-app-secret"
    )
