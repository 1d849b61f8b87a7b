"""X payloads as documented: the CRC and signature vectors, the AAA webhook through its real
URL, the v2 response shapes through the parser, and the error bodies through the client.

Sources: docs/platforms.md section 3 and channels_tw/fixtures/README.md (each fixture's origin).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import override_settings

from channels_tw import parse
from channels_tw.client import XClient
from channels_tw.webhooks import signature
from inbox.connectors import AuthExpired, InboundItem, ItemKind, RateLimited, Rejected
from inbox.models import Channel, Conversation, InboundEvent, Message
from switchboard.standin_server import serve_in_thread
from tests.support.x import BRAND_ID, fixture, fixture_bytes, make_x_channel

pytestmark = pytest.mark.django_db

# https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks
X_SAMPLE_SECRET = "z3ZX4v7mAAUGykl3EcmkqbartmuW8VFOOzCloLx9Q45P0hLrFu"  # noqa: S105 - X's sample


def _channel():
    return Channel.objects.filter(kind="x", external_id=BRAND_ID).first() or make_x_channel(
        "http://127.0.0.1:9"
    )


def _items(payload: dict) -> list:
    return parse.parse(payload, _channel())


# ---- CRC and signature --------------------------------------------------------------------


@override_settings(X_CONSUMER_SECRET=X_SAMPLE_SECRET)
def test_crc_answers_with_x_published_sample(client):
    response = client.get("/webhooks/x/", {"crc_token": "9b4507b3-9040-4669-9ca3-6b94edb50553"})
    assert response.status_code == 200
    assert response.json() == {
        "response_token": "sha256=Cytd4Sq+NvEcV3MMrXxWJGJx5A+y/lXzzU2Maartkx8="
    }


def test_crc_without_token_is_refused(client):
    assert client.get("/webhooks/x/").status_code == 400


def test_body_signature_vector():
    body = fixture_bytes("x_aaa_direct_message_events.json")
    assert (
        signature("switchboard-test-consumer-secret", body)
        == "sha256=SG18Kx4Dcvxu7zLIh7fc2cTJctFI7ueQNeslGQwtM9A="
    )


@override_settings(X_CONSUMER_SECRET="switchboard-test-consumer-secret")
def test_signed_dm_webhook_is_stored_and_becomes_a_dm(client, django_capture_on_commit_callbacks):
    channel = _channel()
    body = fixture_bytes("x_aaa_direct_message_events.json")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/webhooks/x/",
            body,
            content_type="application/json",
            headers={
                "x-twitter-webhooks-signature": "sha256=SG18Kx4Dcvxu7zLIh7fc2cTJctFI7ueQNeslGQwtM9A="
            },
        )
    assert response.status_code == 200
    message = Message.objects.get(channel=channel, external_id="1901916491570352138")
    assert message.text.startswith("Добрый день! Курьер так и не приехал")
    assert message.visibility == "private"
    assert message.conversation.external_thread_id == "1285937461120077824-1490213315082448897"
    assert message.author_identity.handle == "marina_sok"
    # AAA retries and replays: the same body again changes nothing.
    client.post(
        "/webhooks/x/",
        body,
        content_type="application/json",
        headers={
            "x-twitter-webhooks-signature": signature("switchboard-test-consumer-secret", body)
        },
    )
    assert Message.objects.filter(channel=channel).count() == 1


@pytest.mark.parametrize(
    "header", ["", "sha256=AAAA", "sha256=SG18Kx4Dcvxu7zLIh7fc2cTJctFI7ueQNeslGQwtM9B="]
)
def test_bad_signature_is_refused_and_nothing_is_stored(client, header):
    body = fixture_bytes("x_aaa_direct_message_events.json")
    response = client.post(
        "/webhooks/x/",
        body,
        content_type="application/json",
        headers={"x-twitter-webhooks-signature": header} if header else {},
    )
    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_signature_is_over_the_raw_bytes_not_reformatted_json(client):
    body = fixture_bytes("x_aaa_direct_message_events.json")
    reformatted = json.dumps(json.loads(body)).encode()
    response = client.post(
        "/webhooks/x/",
        reformatted,
        content_type="application/json",
        headers={
            "x-twitter-webhooks-signature": signature("switchboard-test-consumer-secret", body)
        },
    )
    assert response.status_code == 403


# ---- AAA event shapes -------------------------------------------------------------------
# https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/account-activity-data-objects


@pytest.fixture
def aaa(client, django_capture_on_commit_callbacks):
    """Post a signed AAA body through the real URL and let the ingest run."""

    def post(name="", body=b""):
        body = body or fixture_bytes(name)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                "/webhooks/x/",
                body,
                content_type="application/json",
                headers={
                    "x-twitter-webhooks-signature": signature(
                        "switchboard-test-consumer-secret", body
                    )
                },
            )

    return post


def test_aaa_mention_then_own_echo_then_delete(aaa):
    channel = _channel()
    assert aaa("x_aaa_tweet_create_events.json").status_code == 200
    mention = Message.objects.get(channel=channel, external_id="1901641122071662592")
    assert mention.direction == "in"
    assert mention.author_identity.name == "Jürgen Becker"
    assert mention.platform_timestamp == datetime(2025, 3, 17, 14, 26, 30, 411000, tzinfo=UTC)
    aaa("x_aaa_own_tweet_echo.json")
    echo = Message.objects.get(channel=channel, external_id="1901644871041282049")
    # Ours, sent in X's own app: an answer in the same thread, not a customer message.
    assert echo.direction == "out" and echo.sent_natively
    assert echo.conversation_id == mention.conversation_id
    assert echo.parent_id == mention.pk
    aaa("x_aaa_tweet_delete_events.json")
    mention.refresh_from_db()
    assert mention.deleted and mention.text  # kept, marked deleted
    assert Conversation.objects.filter(channel=channel).count() == 1


def test_aaa_customer_like_is_kept_as_unsupported_not_a_message(aaa):
    channel = _channel()
    aaa("x_aaa_favorite_events.json")
    event = InboundEvent.objects.get()
    assert event.state == "unsupported"
    assert "a customer's like is not a message" in event.last_error
    assert not Message.objects.filter(channel=channel).exists()


def test_aaa_unknown_activity_is_stored_and_marked_unsupported(aaa):
    _channel()
    aaa(body=json.dumps({"for_user_id": BRAND_ID, "follow_events": [{"type": "follow"}]}).encode())
    assert InboundEvent.objects.get().state == "unsupported"


# ---- v2 response shapes, through the parser ---------------------------------------------


def _poll_payloads(name: str, source: str, search: str = "") -> list[dict]:
    body = fixture(name)
    payloads = []
    for tweet in body["data"]:
        payload = {
            "source": source,
            "for_user_id": BRAND_ID,
            "tweet": tweet,
            "includes": body.get("includes", {}),
        }
        if search:
            payload["search"] = search
        payloads.append(payload)
    return payloads


def test_mentions_response_shape():
    # https://docs.x.com/x-api/posts/timelines/quickstart/user-mention-quickstart
    items = [i for p in _poll_payloads("x_mentions_response.json", "mentions") for i in _items(p)]
    assert [i.external_id for i in items] == [
        "1901595996383744003",
        "1901575012276637698",
        "1901562869762363393",
    ]
    lin, kadri, marina = items
    assert lin.kind == ItemKind.MENTION and lin.thread_id == "1901595996383744003"
    assert lin.author.handle == "lin_xiaoyu" and lin.author.name == "林晓雨"
    assert lin.timestamp == datetime(2025, 3, 17, 11, 26, 30, tzinfo=UTC)
    assert lin.permalink == "https://x.com/lin_xiaoyu/status/1901595996383744003"
    # A reply to our sale post: threaded by conversation_id, the post shown as context.
    assert marina.kind == ItemKind.REPLY
    assert marina.thread_id == "1901544028944601088"
    assert marina.parent_external_id == "1901544028944601088"
    assert marina.context["text"].startswith("Spring sale: 20% off")
    assert not any(i.is_echo for i in items)


def test_search_response_shape_tags_the_search():
    # https://docs.x.com/x-api/posts/search/introduction
    items = [
        i
        for p in _poll_payloads("x_search_recent_response.json", "search", "Brand name")
        for i in _items(p)
    ]
    assert {i.kind for i in items} == {ItemKind.SEARCH_MATCH}
    assert all(i.tags == ["Brand name"] and i.conversation_kind == "search" for i in items)
    assert items[0].text.startswith("Las botas de Polaris Outfitters")


def test_dm_events_response_shape():
    # https://docs.x.com/x-api/direct-messages/lookup/introduction
    body = fixture("x_dm_events_response.json")
    items = [
        i
        for e in body["data"]
        for i in _items(
            {
                "source": "dm_events",
                "for_user_id": BRAND_ID,
                "dm_event": e,
                "includes": body["includes"],
            }
        )
    ]
    ours, marina, kadri = items
    assert ours.is_echo and not marina.is_echo
    assert ours.thread_id == marina.thread_id == "1285937461120077824-1490213315082448897"
    assert kadri.thread_id == "96583712-1490213315082448897"
    assert kadri.author.name == "Kadri Tamm" and kadri.private


def test_unknown_source_is_explicitly_unsupported():
    (item,) = _items({"source": "spaces", "x": 1})
    assert not isinstance(item, InboundItem) and "spaces" in item.description


def test_hostile_handle_never_reaches_a_url():
    payload = _poll_payloads("x_mentions_response.json", "mentions")[0]
    payload["includes"]["users"][0]["username"] = "evil/../../x?<script>"
    payload["includes"]["users"][0]["profile_image_url"] = "javascript:alert(1)"
    (item,) = _items(payload)
    assert item.permalink == "https://x.com/i/web/status/1901595996383744003"
    assert item.author.profile_url == "" and item.author.avatar_url == ""


# ---- error bodies, through the client ---------------------------------------------------
# https://docs.x.com/fundamentals/rate-limits ; problem bodies per docs/platforms.md section 3


class Canned:
    """Answers every request with one documented body, status and headers."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers or {}

    def __call__(self, environ, start_response):
        data = json.dumps(self.body).encode()
        start_response(
            f"{self.status} X",
            [("Content-Type", "application/problem+json"), *self.headers.items()],
        )
        return [data]


@pytest.fixture
def canned():
    running = []

    def serve(status, body, headers=None):
        server = serve_in_thread(Canned(status, body, headers))
        running.append(server)
        return XClient(server.url, "token")

    yield serve
    for server in running:
        server.stop()


def test_429_becomes_rate_limited_until_the_reset_header(canned):
    headers = fixture("x_error_429_headers.json")
    client = canned(429, fixture("x_error_429.json"), headers)
    with pytest.raises(RateLimited) as caught:
        client.mentions(BRAND_ID)
    assert caught.value.retry_at == datetime.fromtimestamp(1742288400, UTC)
    assert client.rate_limits["mentions"]["remaining"] == 0
    assert client.rate_limits["mentions"]["limit"] == 300


def test_401_becomes_auth_expired(canned):
    with pytest.raises(AuthExpired):
        canned(401, fixture("x_error_401.json")).me()


def test_403_on_a_dm_is_rejected_with_the_status_as_code(canned):
    with pytest.raises(Rejected) as caught:
        canned(403, fixture("x_error_dm_forbidden.json")).send_dm("96583712", "hi")
    assert caught.value.code == "403"


# ---- parsing is pure -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "x_aaa_tweet_create_events.json",
        "x_aaa_direct_message_events.json",
        "x_aaa_favorite_events.json",
        "x_aaa_tweet_delete_events.json",
        "x_aaa_own_tweet_echo.json",
    ],
)
def test_parsing_an_account_activity_item_asks_the_database_nothing(
    name, django_assert_num_queries
):
    from channels_tw.webhooks import split

    channel = _channel()
    events = split(fixture(name))
    assert events
    with django_assert_num_queries(0):
        for event in events:
            parse.parse(event.payload, channel)


def test_a_reply_to_a_tweet_we_hold_joins_its_thread_in_one_query(django_assert_num_queries):
    from channels_tw import threads

    channel = _channel()
    conversation = Conversation.objects.create(
        channel=channel, kind="mention", external_thread_id="1000"
    )
    Message.objects.create(
        conversation=conversation, channel=channel, external_id="1001", direction="in"
    )
    payload = {
        "source": "aaa",
        "type": "tweet_create_events",
        "for_user_id": BRAND_ID,
        "item": {
            "id_str": "1002",
            "text": "@polarisoutfit still waiting",
            "created_at": "Mon Mar 02 10:15:00 +0000 2026",
            "in_reply_to_status_id_str": "1001",
            "user": {"id_str": "42", "screen_name": "kadri", "name": "Kadri"},
        },
    }
    [item] = parse.parse(payload, channel)
    assert item.thread_id == "1001"  # all the payload says: its parent
    with django_assert_num_queries(1):
        [followed] = threads.follow_known(channel, [item])
    assert followed.thread_id == "1000"
