"""The manager's rule editor and the rules API: access, writing, ordering, preview, test."""

import pytest
from django.urls import reverse

from inbox.models import Message, SavedReply, Tag
from rules.models import Rule
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture(autouse=True)
def referenced(db):
    """What form_data's actions name: saving a rule looks each of them up."""
    Tag.objects.create(name="Payment")
    SavedReply.objects.create(title="Thanks", body="Thank you!")


def form_data(**overrides):
    data = {
        "name": "Payments",
        "enabled": "on",
        "trigger": "new_message",
        "minutes": "0",
        "match": "all",
        "advanced": "",
        "c-0-type": "text_contains_any",
        "c-0-value": "pay, payment",
        "c-1-type": "language",
        "c-1-value": "zh",
        "c-1-negate": "on",
        "c-2-type": "",
        "c-2-value": "",
        "a-0-type": "add_tag",
        "a-0-value": "Payment",
        "a-1-type": "reply",
        "a-1-value": "Thanks",
        "a-1-private": "on",
        "a-2-type": "",
        "a-2-value": "",
    }
    data.update(overrides)
    return data


def test_agents_cannot_reach_the_editor_or_the_api(agent_client):
    rule = Rule.objects.create(name="R", actions=[{"type": "close"}])
    for url in (
        reverse("rules:list"),
        reverse("rules:new"),
        reverse("rules:edit", args=[rule.pk]),
        "/rules/api/rules/",
    ):
        assert agent_client.get(url).status_code == 403
    assert agent_client.post(reverse("rules:toggle", args=[rule.pk])).status_code == 403


def test_manager_writes_a_rule_with_the_form(manager_client, manager):
    response = manager_client.post(reverse("rules:new"), form_data())
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert rule.conditions == {
        "all": [
            {"type": "text_contains_any", "value": ["pay", "payment"]},
            {"not": {"type": "language", "value": ["zh"]}},
        ]
    }
    assert rule.actions == [
        {"type": "add_tag", "value": "Payment"},
        {"type": "reply", "value": "Thanks", "private": True},
    ]
    assert rule.created_by == manager
    # The editor shows the rule as rows again.
    page = manager_client.get(reverse("rules:edit", args=[rule.pk])).content.decode()
    assert 'value="pay, payment"' in page
    assert 'name="c-1-negate" checked' in page


def test_invalid_rules_are_refused_with_the_reason(manager_client):
    response = manager_client.post(
        reverse("rules:new"), form_data(**{"c-0-type": "text_regex", "c-0-value": "(oops"})
    )
    assert response.status_code == 200
    assert "regular expression" in response.content.decode()
    response = manager_client.post(reverse("rules:new"), form_data(advanced="{not json"))
    assert "do not parse" in response.content.decode()
    # A pattern RE2 cannot run is refused with what to write instead, where the manager types.
    response = manager_client.post(
        reverse("rules:new"), form_data(**{"c-0-type": "text_regex", "c-0-value": r"(?<=#)\d+"})
    )
    assert "look-behind (?&lt;=…) is not supported" in response.content.decode()
    assert not Rule.objects.exists()


def test_nested_json_conditions_are_kept(manager_client):
    nested = (
        '{"any": [{"all": [{"type": "intent", "value": ["complaint"]}]}, '
        '{"type": "has_link", "value": true}]}'
    )
    manager_client.post(reverse("rules:new"), form_data(advanced=nested))
    assert Rule.objects.get().conditions["any"][1] == {"type": "has_link", "value": True}


def test_order_enable_and_hit_counts_on_the_list(manager_client):
    a = Rule.objects.create(name="A", position=10, actions=[{"type": "close"}])
    b = Rule.objects.create(name="B", position=20, actions=[{"type": "close"}], hit_count=7)
    manager_client.post(reverse("rules:move", args=[b.pk, "up"]), HTTP_HX_REQUEST="true")
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["B", "A"]
    response = manager_client.post(reverse("rules:toggle", args=[a.pk]), HTTP_HX_REQUEST="true")
    assert f'id="rule-{a.pk}"' in response.content.decode()
    assert not Rule.objects.get(pk=a.pk).enabled
    page = manager_client.get(reverse("rules:list")).content.decode()
    assert '<td class="hits">7</td>' in page


def test_preview_shows_which_of_the_last_500_items_would_match(manager_client):
    channel = factories.make_channel()
    old = factories.make_conversation(channel, text="I want to pay")  # the 501st newest
    for n in range(500):
        factories.make_conversation(channel, text="can I pay?" if n % 50 == 0 else "hello")
    factories.make_conversation(channel, text="<script>alert(1)</script> pay")
    assert Message.objects.count() == 502
    response = manager_client.post(reverse("rules:preview"), form_data(), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    # 10 of "can I pay?" and the script one; 500 examined; the oldest is out of range.
    assert "Would have matched 10 of the last 500 customer messages" in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert f"/c/{old.pk}/" not in page
    assert not Rule.objects.exists()  # a preview saves nothing


def test_try_a_text_shows_language_intent_and_match(manager_client):
    response = manager_client.post(reverse("rules:try"), form_data(try_text="Can I pay by card?"))
    page = response.content.decode()
    assert "Language <strong>en</strong>, intent <strong>question</strong>" in page
    assert "<strong>Matches</strong>: &#x27;pay&#x27;" in page
    response = manager_client.post(reverse("rules:try"), form_data(try_text="我想付款"))
    assert "Does not match." in response.content.decode()  # language zh is excluded


def test_api_for_managers(manager_client):
    created = manager_client.post(
        "/rules/api/rules/",
        {
            "name": "Urgent",
            "conditions": {"type": "text_contains_any", "value": ["urgent"]},
            "actions": [{"type": "add_tag", "value": "Urgent"}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    listed = manager_client.get("/rules/api/rules/").json()
    assert [r["name"] for r in listed] == ["Urgent"]
    bad = manager_client.post(
        "/rules/api/rules/",
        {
            "name": "Bad",
            "conditions": {"type": "text_regex", "value": "("},
            "actions": [{"type": "teleport"}],
        },
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"conditions", "actions"}
    rule_id = created.json()["id"]
    assert (
        manager_client.patch(
            f"/rules/api/rules/{rule_id}/", {"enabled": False}, content_type="application/json"
        ).status_code
        == 200
    )
    assert not Rule.objects.get().enabled
    assert manager_client.delete(f"/rules/api/rules/{rule_id}/").status_code == 204
    from audit.models import Entry

    assert list(
        Entry.objects.filter(target_type="rule").order_by("id").values_list("verb", flat=True)
    ) == ["created", "changed", "deleted"]
