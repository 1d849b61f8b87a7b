"""What the API does beyond who may call it: the same operations as the UI, errors as JSON
with a code, cursor pages, per-token rate limits, tokens that are shown once."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken
from api.tokens import token_create
from inbox import live
from inbox.models import AuditEvent, Contact, Note, OutboundAction
from tests.support import factories
from tests.support.queries import data_statements


@pytest.fixture
def token(agent):
    return token_create(user=agent, name="script")[1]


@pytest.fixture
def api(client, token):
    """`api(method, path, body=None, **headers)` with the agent's token."""

    def call(method, path, body=None, **headers):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **headers}
        if body is None:
            return getattr(client, method)(path, **headers)
        return getattr(client, method)(path, body, content_type="application/json", **headers)

    return call


@pytest.fixture
def conversation(testchat_channel):
    return factories.make_conversation(testchat_channel, text="Where is my parcel?")


def test_a_reply_goes_through_the_outbox_and_the_audit_log_as_the_token_owner(
    api, conversation, agent, testchat_platform, django_capture_on_commit_callbacks
):
    before = live.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(
            "post", f"/api/v1/conversations/{conversation.pk}/reply/", {"text": "It ships today"}
        )
    assert response.status_code == 202
    body = response.json()
    assert body["text"] == "It ships today"
    assert body["delivery_status"] == "queued"
    assert body["author_agent"]["username"] == agent.username
    action = OutboundAction.objects.get()
    assert (action.kind, action.created_by, action.message_id) == ("reply", agent, body["id"])
    assert AuditEvent.objects.filter(
        verb="replied", actor=agent, conversation=conversation
    ).exists()
    assert live.current_version() > before, "open inboxes hear of the reply"
    # After the commit the outbox's task ran (eager in tests) and posted it, once.
    assert [p["text"] for p in testchat_platform.posts] == ["It ships today"]
    action.refresh_from_db()
    assert action.state == "done"
    conversation.refresh_from_db()
    assert conversation.state == "pending"


def test_a_private_reply_the_channel_cannot_send_is_a_409_with_a_code(api, conversation):
    response = api(
        "post",
        f"/api/v1/conversations/{conversation.pk}/reply/",
        {"text": "Check your DMs", "private": True},
    )
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "not_supported"
    assert "privately" in error["message"]
    assert not OutboundAction.objects.exists()


def test_the_same_idempotency_key_posts_once(api, conversation):
    path = f"/api/v1/conversations/{conversation.pk}/reply/"
    first = api("post", path, {"text": "Once"}, HTTP_IDEMPOTENCY_KEY="order-77")
    again = api("post", path, {"text": "Once"}, HTTP_IDEMPOTENCY_KEY="order-77")
    assert first.status_code == 202
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate_request"
    assert OutboundAction.objects.count() == 1


def test_validation_errors_name_the_field(api, conversation):
    response = api(
        "post", f"/api/v1/conversations/{conversation.pk}/priority/", {"priority": "sky-high"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith("priority: ")
    assert "priority" in error["details"]


def test_a_snooze_in_the_past_is_refused_by_the_operation(api, conversation):
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = api("post", f"/api/v1/conversations/{conversation.pk}/snooze/", {"until": past})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "snooze until a time in the future",
        "details": ["snooze until a time in the future"],
    }


def test_missing_things_are_404_json(api):
    response = api("get", "/api/v1/conversations/999999/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_state_changes_are_audited_like_the_ui(api, conversation, agent, agent2):
    base = f"/api/v1/conversations/{conversation.pk}"
    assert (
        api("post", f"{base}/assign/", {"assignee": agent2.pk}).json()["assignee"]["id"]
        == agent2.pk
    )
    assert [t["name"] for t in api("post", f"{base}/tags/", {"name": "refund"}).json()["tags"]] == [
        "refund"
    ]
    assert api("post", f"{base}/priority/", {"priority": "urgent"}).json()["priority"] == "urgent"
    assert api("post", f"{base}/notes/", {"text": "Called them"}).status_code == 201
    assert api("post", f"{base}/close/").json()["state"] == "closed"
    verbs = list(
        AuditEvent.objects.filter(conversation=conversation, actor=agent).values_list(
            "verb", flat=True
        )
    )
    assert verbs == ["assigned", "tagged", "priority", "note", "closed"]
    assert Note.objects.get().author == agent


def test_the_detail_has_the_thread_and_notes(api, conversation, agent):
    Note.objects.create(conversation=conversation, author=agent, text="VIP")
    body = api("get", f"/api/v1/conversations/{conversation.pk}/").json()
    assert [m["text"] for m in body["messages"]] == ["Where is my parcel?"]
    assert body["messages"][0]["author_identity"]["name"] == "Kadri Tamm"
    assert [n["text"] for n in body["notes"]] == ["VIP"]


def test_a_message_action_is_queued_in_the_outbox(api, conversation):
    message = conversation.messages.get()
    response = api("post", f"/api/v1/messages/{message.pk}/actions/", {"kind": "hide"})
    assert response.status_code == 202
    assert response.json()["state"] == "queued"
    assert OutboundAction.objects.get().target == message
    refused = api("post", f"/api/v1/messages/{message.pk}/actions/", {"kind": "reply"})
    assert refused.status_code == 400


def test_the_list_pages_by_cursor_through_every_conversation_once(api, testchat_channel):
    now = timezone.now()
    made = [
        factories.make_conversation(testchat_channel, at=now - timedelta(minutes=i))
        for i in range(5)
    ]
    # Two with the same time: the cursor must not lose or repeat either.
    made[3].last_message_at = made[2].last_message_at
    made[3].save()
    # And two without any time yet: they come last or first, but once each.
    for c in made[:2]:
        c.last_message_at = None
        c.save()
    seen, cursor = [], None
    while True:
        path = "/api/v1/conversations/?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api("get", path).json()
        seen += [row["id"] for row in page["results"]]
        cursor = page["next"]
        if cursor is None:
            break
    dated = sorted(made[2:], key=lambda c: (c.last_message_at, c.pk), reverse=True)
    assert [pk for pk in seen if pk not in (made[0].pk, made[1].pk)] == [c.pk for c in dated]
    assert sorted(seen) == sorted(c.pk for c in made)
    oldest, cursor = [], None
    while True:
        path = "/api/v1/conversations/?sort=oldest&limit=2" + (
            f"&cursor={cursor}" if cursor else ""
        )
        page = api("get", path).json()
        oldest += [row["id"] for row in page["results"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert oldest == seen[::-1]
    bad = api("get", "/api/v1/conversations/?cursor=nonsense")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"


def test_the_list_uses_the_inbox_folders_and_filters(api, testchat_channel, agent):
    mine = factories.make_conversation(testchat_channel, assignee=agent)
    closed = factories.make_conversation(testchat_channel, state="closed")
    tagged = factories.make_conversation(testchat_channel, text="refund please")
    tagged.tags.create(name="refund")

    def ids(query):
        return {
            row["id"] for row in api("get", f"/api/v1/conversations/?{query}").json()["results"]
        }

    assert ids("") == {mine.pk, tagged.pk}
    assert ids("folder=mine") == {mine.pk}
    assert ids("folder=closed") == {closed.pk}
    assert ids(f"tag={tagged.tags.get().pk}") == {tagged.pk}
    assert ids("folder=all") == {mine.pk, closed.pk, tagged.pk}


def test_contacts_show_identities_and_agents_update_them(api, conversation):
    contact = conversation.contact
    body = api("get", f"/api/v1/contacts/{contact.pk}/").json()
    assert [i["platform"] for i in body["identities"]] == ["testchat"]
    changed = api(
        "patch", f"/api/v1/contacts/{contact.pk}/", {"order_number": "A-1001", "identities": []}
    )
    assert changed.status_code == 200
    contact.refresh_from_db()
    assert contact.order_number == "A-1001"
    assert contact.identities.count() == 1, "identities are read-only"
    found = api("get", "/api/v1/contacts/?q=kadri").json()["results"]
    assert [c["id"] for c in found] == [contact.pk]


def test_contacts_merge_like_the_contact_panel_and_are_audited(
    api, conversation, testchat_channel, agent
):
    kept = conversation.contact
    Contact.objects.filter(pk=kept.pk).update(email="")
    other_conversation = factories.make_conversation(
        testchat_channel, text="Same person, other account", customer="K. Tamm"
    )
    other = other_conversation.contact
    Contact.objects.filter(pk=other.pk).update(email="kadri@example.com", phone="+372 555")
    Note.objects.create(contact=other, author=agent, text="Prefers email")

    response = api(
        "post",
        f"/api/v1/contacts/{kept.pk}/merge/",
        {"other": other.pk, "conversation": conversation.pk},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["email"], body["phone"]) == (kept.pk, "kadri@example.com", "+372 555")
    assert len(body["identities"]) == 2
    assert not Contact.objects.filter(pk=other.pk).exists()
    other_conversation.refresh_from_db()
    assert other_conversation.contact_id == kept.pk
    assert Note.objects.get(text="Prefers email").contact_id == kept.pk
    merged = AuditEvent.objects.get(verb="customer_merged")
    assert (merged.actor, merged.conversation_id) == (agent, conversation.pk)
    assert merged.data["merged_contact"] == other.pk
    assert merged.data["conversations"] == [other_conversation.pk]


def test_a_merge_with_itself_or_nobody_is_a_400_with_a_code(api, conversation):
    path = f"/api/v1/contacts/{conversation.contact_id}/merge/"
    itself = api("post", path, {"other": conversation.contact_id})
    assert itself.status_code == 400
    error = itself.json()["error"]
    assert (error["code"], error["message"]) == (
        "invalid",
        "a customer cannot be merged with itself",
    )
    nobody = api("post", path, {"other": 999999})
    assert nobody.status_code == 400
    assert nobody.json()["error"]["message"].startswith("other:")
    assert api("post", "/api/v1/contacts/999999/merge/", {"other": 1}).status_code == 404
    assert not AuditEvent.objects.filter(verb="customer_merged").exists()


def test_channel_health_shows_status_and_the_outbox_backlog(client, admin_user, conversation):
    token = token_create(user=admin_user, name="monitor")[1]
    conversation.channel.status = "needs_reconnect"
    conversation.channel.save()
    OutboundAction.objects.create(channel=conversation.channel, kind="like", state="held")
    body = client.get("/api/v1/channels/", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body[0]["status"] == "needs_reconnect"
    assert body[0]["label"] == "Testchat"
    assert body[0]["outbox"] == {"held": 1}


@override_settings(
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
        "DEFAULT_THROTTLE_RATES": {"api": "3/min"},
    }
)
def test_rate_limits_are_per_token(client, agent):
    cache.clear()
    first = token_create(user=agent, name="busy")[1]
    second = token_create(user=agent, name="quiet")[1]
    statuses = [
        client.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {first}").status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {first}")
    assert limited.json()["error"]["code"] == "throttled"
    assert "Retry-After" in limited
    assert client.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {second}").status_code == 200


def test_the_session_works_for_the_apps_own_pages_with_csrf(agent, conversation):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    assert browser.get("/api/v1/conversations/").status_code == 200
    refused = browser.post(f"/api/v1/conversations/{conversation.pk}/close/")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]


def test_a_token_is_shown_once_and_stored_only_as_a_digest(agent_client, agent):
    page = agent_client.post("/settings/api-tokens/", {"name": "shop sync"}, follow=True)
    assert page.redirect_chain == [("/settings/api-tokens/", 302)]
    assert page["Cache-Control"] == "no-store"
    raw = page.content.decode().split("data-new-token>")[1].split("<")[0]
    assert raw.startswith("sb_") and len(raw) > 40
    token = ApiToken.objects.get(user=agent)
    assert raw not in (token.digest, token.prefix) and raw.startswith(token.prefix)
    # Shown once: a reload shows it no more, and creates no second token.
    assert raw not in agent_client.get("/settings/api-tokens/").content.decode()
    assert ApiToken.objects.filter(user=agent).count() == 1

    other = Client()
    assert other.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    agent_client.post(f"/settings/api-tokens/{token.pk}/revoke/")
    assert other.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None and token.last_used_at is not None


def test_an_agent_cannot_revoke_someone_elses_token(agent_client, agent2):
    theirs, _ = token_create(user=agent2, name="theirs")
    assert agent_client.post(f"/settings/api-tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_settings_page_links_to_the_tokens(agent_client):
    assert "/settings/api-tokens/" in agent_client.get("/settings/").content.decode()


def test_a_deactivated_agents_token_stops_working(client, agent, token):
    agent.is_active = False
    agent.save()
    assert client.get("/api/v1/tags/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_list_and_detail_cost_a_fixed_number_of_queries(api, testchat_channel, agent):
    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert api("get", path).status_code == 200
        # Without Redis the throttle's cache is a table: those are not the API's reads.
        return data_statements(queries)

    first = factories.make_conversation(testchat_channel)
    first.tags.create(name="a")
    count("/api/v1/tags/")  # the token's last_used_at is written once a minute, not here
    few = count("/api/v1/conversations/")
    detail_few = count(f"/api/v1/conversations/{first.pk}/")
    for i in range(8):
        c = factories.make_conversation(testchat_channel, assignee=agent)
        c.tags.create(name=f"t{i}")
        Note.objects.create(conversation=first, author=agent, text=f"n{i}")
        factories.make_conversation(testchat_channel)
    assert len(count("/api/v1/conversations/")) == len(few)
    assert len(count(f"/api/v1/conversations/{first.pk}/")) == len(detail_few)
    assert len(few) == 3, few  # the token, the rows, their tags
