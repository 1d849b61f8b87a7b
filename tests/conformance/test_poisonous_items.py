"""One bad item never costs its batch: signed batches with one poisonous item of each kind,
posted through the real webhook URLs of Facebook, Instagram and X.

Each batch holds good items, an item whose text has a NUL byte, one with a lone surrogate
(both made storable and shown with U+FFFD), and the poison: `NaN`, `1e999`, JSON nested
1,000 deep, and items that are not objects. The good ones become messages, the poison is
kept with its reason (admin, Channels page), and the platform is answered 200 so that it
stops retrying. Run on PostgreSQL too: it refuses NUL in text and JSONB columns.
"""

from __future__ import annotations

import copy
import json

import pytest
from django.conf import settings

from channels_fb.standin import PAGE_ID
from channels_tw.webhooks import signature as x_signature
from inbox.models import Channel, EventState, InboundEvent, Message
from inbox.text import MAX_MESSAGE_TEXT, REPLACEMENT
from meta.standin.delivery import meta_json
from meta.webhooks import sign_body
from tests.support import facebook, factories, instagram, x

pytestmark = pytest.mark.django_db

NUL_TEXT = "Order 48213\x00 still missing"
SURROGATE_TEXT = "Size M \ud83d please"  # half of 😀: a lone surrogate
SHOWN_NUL = f"Order 48213{REPLACEMENT} still missing"
SHOWN_SURROGATE = f"Size M {REPLACEMENT} please"

# What replaces each placeholder in the JSON Meta or X would send: literals no JSON encoder
# in Python produces on purpose, and one item nested 1,000 deep.
RAW = {'"@NAN@"': "NaN", '"@HUGE@"': "1e999", '"@DEEP@"': "[" * 1000 + "]" * 1000}
REASONS = {
    "NaN is not a number",
    "the number 1e999 is out of range",
    "JSON nested deeper than 64 levels",
}


@pytest.fixture
def staff_client(db):
    """An admin who may also open the Django admin, where each kept event's reason is read."""
    from django.test import Client

    client = Client()
    client.force_login(factories.make_user("ada", role="admin", is_staff=True, is_superuser=True))
    return client


def raw_body(body: dict) -> bytes:
    """`body` serialised as Meta serialises it (\\uXXXX escapes), with the poison spliced in."""
    data = meta_json(body).decode()
    for placeholder, literal in RAW.items():
        assert placeholder in data
        data = data.replace(placeholder, literal)
    return data.encode()


def assert_poison_kept(expected_reasons: set[str], channel: Channel) -> None:
    events = InboundEvent.objects.filter(state=EventState.POISONED)
    assert sorted(e.last_error for e in events) == sorted(expected_reasons)
    assert all(e.channel_id == channel.pk and e.processed_at is None for e in events)


def assert_channels_page_counts(staff_client, channel: Channel, n: int) -> None:
    html = staff_client.get("/channels/").content.decode()
    row = html[html.index(f'id="channel-{channel.pk}"') :]
    row = row[: row.index("</tr>")]
    assert f'<span class="poisoned-count">{n}</span> poisoned' in row
    admin_list = staff_client.get(
        f"/admin/inbox/inboundevent/?state__exact=poisoned&channel__id__exact={channel.pk}"
    )
    assert admin_list.status_code == 200
    assert f"{n} inbound events" in admin_list.content.decode()
    assert "JSON nested deeper than 64 levels" in admin_list.content.decode()


# ---- Facebook -------------------------------------------------------------------------------

FB_POST = "104578293366512_122154830261048877"


def fb_comment(n: int, message: str, **extra) -> dict:
    comment = facebook.fixture("fb_feed_comment_add")["entry"][0]["changes"][0]
    comment = copy.deepcopy(comment)
    comment["value"].update(
        comment_id=f"122154830261048877_10440000000000{n:02d}", message=message, **extra
    )
    return comment


def fb_dm(n: int, text: str) -> dict:
    item = copy.deepcopy(facebook.fixture("fb_messages_text")["entry"][0]["messaging"][0])
    item["message"].update(mid=f"m_poison_batch_{n}", text=text)
    return item


def fb_batch() -> dict:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1741945300,
                "changes": [
                    fb_comment(1, "Where is my order?"),
                    fb_comment(2, NUL_TEXT),
                    fb_comment(3, SURROGATE_TEXT),
                    fb_comment(4, "not a number", created_time="@NAN@"),
                    fb_comment(5, "out of range", created_time="@HUGE@"),
                    fb_comment(6, "@DEEP@"),
                    "a change that is not an object",
                ],
                "messaging": [fb_dm(1, "Hello from Messenger"), 42],
            }
        ],
    }


@pytest.fixture
def fb_channel(graph_standin):
    return facebook.make_fb_channel(api_base_url=graph_standin.url)


def post_fb(client, callbacks, body: bytes, **kwargs):
    with callbacks(execute=True):
        return facebook.post_signed(client, body, **kwargs)


def test_facebook_batch_keeps_its_poison_and_processes_the_rest(
    fb_channel, client, staff_client, agent_client, django_capture_on_commit_callbacks
):
    body = raw_body(fb_batch())
    response = post_fb(client, django_capture_on_commit_callbacks, body)

    assert response.status_code == 200, response.content
    assert response.content == b"stored 9 of 9; 5 poisoned, kept with the reason"
    texts = dict(Message.objects.values_list("external_id", "text"))
    assert texts == {
        "122154830261048877_1044000000000001": "Where is my order?",
        "122154830261048877_1044000000000002": SHOWN_NUL,
        "122154830261048877_1044000000000003": SHOWN_SURROGATE,
        "m_poison_batch_1": "Hello from Messenger",
    }
    assert InboundEvent.objects.filter(state=EventState.DONE).count() == 4
    assert_poison_kept(
        REASONS | {"a changes item is not an object", "a messaging item is not an object"},
        fb_channel,
    )
    assert_channels_page_counts(staff_client, fb_channel, 5)

    # The repaired text is what the agent reads.
    nul = Message.objects.get(text=SHOWN_NUL)
    page = agent_client.get(f"/c/{nul.conversation_id}/").content.decode()
    assert SHOWN_NUL in page

    # Meta retries the same batch: nothing new, nothing lost.
    again = post_fb(client, django_capture_on_commit_callbacks, body)
    assert again.status_code == 200 and again.content == b"stored 0 of 9"
    assert InboundEvent.objects.count() == 9 and Message.objects.count() == 4


def test_a_forged_batch_is_refused_and_stores_nothing(
    fb_channel, client, django_capture_on_commit_callbacks
):
    body = raw_body(fb_batch())
    forged = post_fb(
        client,
        django_capture_on_commit_callbacks,
        body,
        signature=sign_body(body, "not-the-app-secret"),
    )
    unsigned = post_fb(client, django_capture_on_commit_callbacks, b"not json", signature="")
    assert (forged.status_code, unsigned.status_code) == (403, 403)
    assert not InboundEvent.objects.exists() and not Message.objects.exists()


def test_a_100000_character_comment_is_stored_capped_with_the_original_kept(
    fb_channel, client, django_capture_on_commit_callbacks
):
    long_text = "Сапоги промокают. " * 5556  # 100,008 characters
    body = {
        "object": "page",
        "entry": [{"id": PAGE_ID, "time": 1741945300, "changes": [fb_comment(7, long_text)]}],
    }
    response = post_fb(client, django_capture_on_commit_callbacks, meta_json(body))

    assert response.status_code == 200
    message = Message.objects.get()
    assert len(message.text) == MAX_MESSAGE_TEXT
    assert long_text.startswith(message.text[:-1]) and message.text.endswith("…")
    assert message.extra["original_text"] == long_text
    assert message.extra["original_length"] == len(long_text)
    # The raw event keeps everything Meta sent, too.
    assert InboundEvent.objects.get().payload["value"]["message"] == long_text


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"this is not JSON", "the body is not JSON"),
        (b'{"object": "page", "entry": [', "the body is not JSON"),
        (b'[{"object": "page"}]', "the body is a JSON list, not an object"),
        (b"\xff\xfe\x00garbage", "the body is not JSON"),
    ],
)
def test_a_malformed_signed_delivery_is_kept_for_inspection(
    fb_channel, client, staff_client, django_capture_on_commit_callbacks, body, reason
):
    response = post_fb(client, django_capture_on_commit_callbacks, body)

    # Answered so that Meta stops retrying what will never parse, and kept, not dropped.
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.state == EventState.POISONED and event.channel is None
    assert event.last_error.startswith(f"malformed delivery: {reason}")
    assert event.payload["raw_bytes"] == len(body)
    assert event.payload["raw"]
    html = staff_client.get("/channels/").content.decode()
    assert "name no connected channel" in html
    assert '<span class="poisoned-count">1</span> poisoned' in html


def test_a_huge_malformed_delivery_keeps_its_first_64_kib(
    fb_channel, client, django_capture_on_commit_callbacks
):
    body = b"{" + b"x" * 5_000_000
    assert post_fb(client, django_capture_on_commit_callbacks, body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.payload["raw_bytes"] == len(body)
    assert len(event.payload["raw"]) == 64 * 1024


# ---- Instagram ------------------------------------------------------------------------------

IG_MEDIA = "18049326772512345"


def ig_comment(n: int, text: str, **extra) -> dict:
    change = copy.deepcopy(instagram.fixture("ig_comments.json")["entry"][0]["changes"][0])
    change["value"].update(id=f"179518304258732{n:02d}", text=text, **extra)
    return change


def ig_dm(n: int, text: str) -> dict:
    item = copy.deepcopy(instagram.fixture("ig_messages_text.json")["entry"][0]["messaging"][0])
    item["message"].update(mid=f"aWdfpoison{n}", text=text)
    return item


@pytest.fixture
def ig_channel(ig_standin):
    ig_standin.account.add_media("Aurora jacket", media_id=IG_MEDIA)
    return instagram.make_ig_channel(ig_standin.graph_url)


def test_instagram_batch_keeps_its_poison_and_processes_the_rest(
    ig_channel, client, staff_client, django_capture_on_commit_callbacks
):
    body = raw_body(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": instagram.ACCOUNT_ID,
                    "time": 1742055613,
                    "changes": [
                        ig_comment(1, "Back in stock?"),
                        ig_comment(2, NUL_TEXT),
                        ig_comment(3, SURROGATE_TEXT),
                        ig_comment(4, "nan", like_count="@NAN@"),
                        ig_comment(5, "huge", like_count="@HUGE@"),
                        ig_comment(6, "@DEEP@"),
                        ["a change that is a list"],
                    ],
                    "messaging": [
                        ig_dm(1, "Ist die Jacke wasserdicht?"),
                        "a message that is a string",
                    ],
                }
            ],
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = instagram.post_webhook(client, body)

    assert response.status_code == 200, response.content
    assert response.content.endswith(b"; 5 poisoned, kept with the reason")
    assert sorted(Message.objects.values_list("text", flat=True)) == sorted(
        ["Back in stock?", SHOWN_NUL, SHOWN_SURROGATE, "Ist die Jacke wasserdicht?"]
    )
    assert_poison_kept(
        REASONS | {"a changes item is not an object", "a messaging item is not an object"},
        ig_channel,
    )
    assert_channels_page_counts(staff_client, ig_channel, 5)


def test_a_forged_instagram_batch_is_refused(ig_channel, client):
    body = raw_body(
        {
            "object": "instagram",
            "entry": [
                {
                    "id": instagram.ACCOUNT_ID,
                    "changes": [
                        ig_comment(4, "nan", like_count="@NAN@"),
                        ig_comment(5, "huge", like_count="@HUGE@"),
                        ig_comment(6, "@DEEP@"),
                    ],
                }
            ],
        }
    )
    assert instagram.post_webhook(client, body, secret="forged").status_code == 403
    assert not InboundEvent.objects.exists()


# ---- X --------------------------------------------------------------------------------------


def x_tweet(n: int, text: str, **extra) -> dict:
    tweet = copy.deepcopy(x.fixture("x_aaa_tweet_create_events.json")["tweet_create_events"][0])
    tweet_id = f"19016411220716626{n:02d}"
    tweet.update(id=int(tweet_id), id_str=tweet_id, text=f"@polarisoutfit {text}", **extra)
    return tweet


def x_dm(n: int, text: str) -> dict:
    dm = copy.deepcopy(x.fixture("x_aaa_direct_message_events.json")["direct_message_events"][0])
    dm["id"] = f"19019164915703521{n:02d}"
    dm["message_create"]["message_data"]["text"] = text
    return dm


def post_x(client, body: bytes, secret: str | None = None):
    secret = secret or settings.X_CONSUMER_SECRET
    return client.post(
        "/webhooks/x/",
        body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": x_signature(secret, body)},
    )


def test_x_activity_batch_keeps_its_poison_and_processes_the_rest(
    client, staff_client, django_capture_on_commit_callbacks
):
    channel = x.make_x_channel("http://127.0.0.1:9")
    users = x.fixture("x_aaa_direct_message_events.json")["users"]
    body = raw_body(
        {
            "for_user_id": x.BRAND_ID,
            "tweet_create_events": [
                x_tweet(1, "Hilfe mit Bestellung 48290?"),
                x_tweet(2, NUL_TEXT),
                x_tweet(3, SURROGATE_TEXT),
                x_tweet(4, "nan", favorite_count="@NAN@"),
                x_tweet(5, "huge", favorite_count="@HUGE@"),
                x_tweet(6, "deep", entities="@DEEP@"),
                "a tweet that is a string",
            ],
            "direct_message_events": [x_dm(1, "Курьер не приехал"), None],
            "users": users,
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_x(client, body)

    assert response.status_code == 200, response.content
    assert response.content.endswith(b"; 5 poisoned, kept with the reason")
    assert sorted(Message.objects.values_list("text", flat=True)) == sorted(
        [
            "@polarisoutfit Hilfe mit Bestellung 48290?",
            f"@polarisoutfit {SHOWN_NUL}",
            f"@polarisoutfit {SHOWN_SURROGATE}",
            "Курьер не приехал",
        ]
    )
    assert_poison_kept(
        REASONS
        | {
            "a tweet_create_events item is not an object",
            "a direct_message_events item is not an object",
        },
        channel,
    )
    assert_channels_page_counts(staff_client, channel, 5)

    forged = raw_body(
        {
            "for_user_id": x.BRAND_ID,
            "tweet_create_events": [
                x_tweet(7, "nan", favorite_count="@NAN@"),
                x_tweet(8, "huge", favorite_count="@HUGE@"),
                x_tweet(9, "deep", entities="@DEEP@"),
            ],
        }
    )
    assert post_x(client, forged, secret="forged").status_code == 403
    assert InboundEvent.objects.count() == 9


def test_a_malformed_signed_x_delivery_is_kept(client, django_capture_on_commit_callbacks):
    x.make_x_channel("http://127.0.0.1:9")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_x(client, b'{"for_user_id": "1490213315082448897", ')
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.state == EventState.POISONED
    assert event.last_error.startswith("malformed delivery: the body is not JSON")
    assert json.loads(json.dumps(event.payload))["raw"].startswith('{"for_user_id"')


def test_process_again_in_the_admin_leaves_poisoned_events_kept(
    fb_channel, client, staff_client, django_capture_on_commit_callbacks
):
    post_fb(client, django_capture_on_commit_callbacks, raw_body(fb_batch()))
    ids = list(InboundEvent.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            "/admin/inbox/inboundevent/",
            {"action": "reprocess", "_selected_action": ids},
            follow=True,
        )
    assert "5 poisoned event(s) left as they are" in response.content.decode()
    assert InboundEvent.objects.filter(state=EventState.POISONED).count() == 5
    assert Message.objects.count() == 4


def test_an_admin_without_staff_access_reads_the_kept_items_in_the_app(
    fb_channel, client, django_capture_on_commit_callbacks
):
    post_fb(client, django_capture_on_commit_callbacks, raw_body(fb_batch()))
    client.force_login(factories.make_user("root", role="admin"))
    html = client.get("/channels/").content.decode()
    assert '<span class="poisoned-count">5</span> poisoned' in html
    assert "/admin/inbox/inboundevent/" not in html  # not staff: no link to the Django admin
    link = f"/channels/kept/?state=poisoned&amp;channel={fb_channel.pk}"
    assert link in html
    page = client.get(link.replace("&amp;", "&")).content.decode()
    assert page.count('class="kept-event state-poisoned"') == 5
    assert "JSON nested deeper than 64 levels" in page
    assert "Process again" not in page  # what a poisoned item holds cannot be processed
