"""Every /api/v1/ endpoint for each persona: anonymous, a revoked token, agent, manager, admin.

Each endpoint names the least role that may use it, as the UI does (inbox for agents;
saved replies, tags and rules managed by managers; channels for admins).
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from api.tokens import token_create, token_revoke
from inbox.models import SavedReply, Tag
from rules.models import Rule
from tests.support import factories

RANK = {"agent": 0, "manager": 1, "admin": 2}


@pytest.fixture
def world(db, testchat_channel, agent, manager, admin_user):
    conversation = factories.make_conversation(testchat_channel, text="Where is my order?")
    tag = Tag.objects.create(name="vip")
    conversation.tags.add(tag)
    return {
        "c": conversation.pk,
        "m": conversation.messages.get().pk,
        "contact": conversation.contact_id,
        "other_contact": factories.make_conversation(testchat_channel).contact_id,
        "tag": Tag.objects.create(name="spare").pk,
        "reply": SavedReply.objects.create(title="Thanks", body="Thanks {first_name}").pk,
        "rule": Rule.objects.create(name="R", actions=[{"type": "close"}]).pk,
        "channel": testchat_channel.pk,
        "agent": agent.pk,
        "users": {"agent": agent, "manager": manager, "admin": admin_user},
    }


def soon():
    return (timezone.now() + timedelta(hours=2)).isoformat()


# (name, method, path, body, least role, status on success)
ENDPOINTS = [
    ("conversations", "get", "/api/v1/conversations/", None, "agent", 200),
    ("conversation", "get", "/api/v1/conversations/{c}/", None, "agent", 200),
    ("reply", "post", "/api/v1/conversations/{c}/reply/", {"text": "On its way"}, "agent", 202),
    ("note", "post", "/api/v1/conversations/{c}/notes/", {"text": "VIP"}, "agent", 201),
    ("assign", "post", "/api/v1/conversations/{c}/assign/", {"assignee": "{agent}"}, "agent", 200),
    ("tag", "post", "/api/v1/conversations/{c}/tags/", {"name": "refund"}, "agent", 200),
    ("untag", "delete", "/api/v1/conversations/{c}/tags/vip/", None, "agent", 200),
    ("close", "post", "/api/v1/conversations/{c}/close/", None, "agent", 200),
    ("reopen", "post", "/api/v1/conversations/{c}/reopen/", None, "agent", 200),
    ("snooze", "post", "/api/v1/conversations/{c}/snooze/", {"until": soon}, "agent", 200),
    ("priority", "post", "/api/v1/conversations/{c}/priority/", {"priority": "high"}, "agent", 200),
    ("message", "get", "/api/v1/messages/{m}/", None, "agent", 200),
    ("like", "post", "/api/v1/messages/{m}/actions/", {"kind": "like"}, "agent", 202),
    ("contacts", "get", "/api/v1/contacts/", None, "agent", 200),
    ("contact", "get", "/api/v1/contacts/{contact}/", None, "agent", 200),
    (
        "contact update",
        "patch",
        "/api/v1/contacts/{contact}/",
        {"email": "k@example.com"},
        "agent",
        200,
    ),
    (
        "contact merge",
        "post",
        "/api/v1/contacts/{contact}/merge/",
        {"other": "{other_contact}"},
        "agent",
        200,
    ),
    ("tags", "get", "/api/v1/tags/", None, "agent", 200),
    ("tag detail", "get", "/api/v1/tags/{tag}/", None, "agent", 200),
    ("tag create", "post", "/api/v1/tags/", {"name": "new"}, "manager", 201),
    ("tag update", "patch", "/api/v1/tags/{tag}/", {"color": "#ff0000"}, "manager", 200),
    ("tag delete", "delete", "/api/v1/tags/{tag}/", None, "manager", 204),
    ("saved replies", "get", "/api/v1/saved-replies/", None, "agent", 200),
    ("saved reply", "get", "/api/v1/saved-replies/{reply}/", None, "agent", 200),
    (
        "saved reply create",
        "post",
        "/api/v1/saved-replies/",
        {"title": "Hi", "body": "Hi"},
        "manager",
        201,
    ),
    (
        "saved reply update",
        "patch",
        "/api/v1/saved-replies/{reply}/",
        {"body": "Thank you"},
        "manager",
        200,
    ),
    ("saved reply delete", "delete", "/api/v1/saved-replies/{reply}/", None, "manager", 204),
    ("rules", "get", "/api/v1/rules/", None, "manager", 200),
    ("rule", "get", "/api/v1/rules/{rule}/", None, "manager", 200),
    (
        "rule create",
        "post",
        "/api/v1/rules/",
        {
            "name": "Close thanks",
            "conditions": {"type": "text_contains_any", "value": ["thanks"]},
            "actions": [{"type": "close"}],
        },
        "manager",
        201,
    ),
    ("rule update", "patch", "/api/v1/rules/{rule}/", {"enabled": False}, "manager", 200),
    ("rule delete", "delete", "/api/v1/rules/{rule}/", None, "manager", 204),
    ("channels", "get", "/api/v1/channels/", None, "admin", 200),
    ("channel", "get", "/api/v1/channels/{channel}/", None, "admin", 200),
    ("schema", "get", "/api/schema/", None, "agent", 200),
]
PERSONAS = ["anonymous", "revoked", "agent", "manager", "admin"]


def _fill(value, world):
    if callable(value):
        return value()
    if isinstance(value, str):
        return value.format(**world) if "{" in value else value
    if isinstance(value, dict):
        filled = {k: _fill(v, world) for k, v in value.items()}
        return {k: int(v) if k == "assignee" else v for k, v in filled.items()}
    return value


def call(client, method, path, body=None, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_each_endpoint_for_each_persona(client, world, endpoint):
    for persona in PERSONAS:
        # Each persona meets the same data: what the previous one changed is rolled back.
        with transaction.atomic():
            check(client, world, endpoint, persona)
            transaction.set_rollback(True)


def check(client, world, endpoint, persona):
    name, method, path, body, least, ok = endpoint
    path = path.format(**world)
    body = _fill(body, world) if body is not None else None
    token = None
    if persona == "revoked":
        made, token = token_create(user=world["users"]["admin"], name="old")
        token_revoke(token=made)
    elif persona != "anonymous":
        _, token = token_create(user=world["users"][persona], name="script")

    response = call(client, method, path, body, token)

    said = f"{name} as {persona}: {response.content[:300]!r}"
    if persona in ("anonymous", "revoked"):
        assert response.status_code == 401, said
        assert response["WWW-Authenticate"] == "Bearer"
        if path.startswith("/api/v1/"):
            error = response.json()["error"]
            assert error["code"] == (
                "invalid_token" if persona == "revoked" else "not_authenticated"
            ), said
    elif RANK[persona] >= RANK[least]:
        assert response.status_code == ok, said
    else:
        assert response.status_code == 403, said
        assert response.json()["error"]["code"] == "permission_denied"
