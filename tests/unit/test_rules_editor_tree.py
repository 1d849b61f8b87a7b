"""The rule editor's condition tree and its reference checks, through the real URLs."""

import pytest
from django.urls import reverse

from accounts.models import Team
from audit.models import Entry
from inbox.models import SavedReply, Tag
from rules.forms import tree_from_json
from rules.models import Rule
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


BASE = {
    "name": "Complaints",
    "enabled": "on",
    "trigger": "new_message",
    "minutes": "0",
    "match": "all",
    "advanced": "",
    "a-0-type": "set_priority",
    "a-0-value": "high",
}


def post(client, url=None, **fields):
    return client.post(url or reverse("rules:new"), {**BASE, **fields})


def test_nested_groups_are_saved_from_the_tree(manager_client):
    response = post(
        manager_client,
        **{
            "c-0-type": "intent",
            "c-0-value": "complaint",
            "c-1-kind": "group",
            "c-1-mode": "any",
            "c-1-negate": "on",
            "c-1.0-type": "has_link",
            "c-1.0-value": "yes",
            "c-1.1-type": "language",
            "c-1.1-value": "zh",
        },
    )
    assert response.status_code == 302, response.content.decode()
    rule = Rule.objects.get()
    assert rule.conditions == {
        "all": [
            {"type": "intent", "value": ["complaint"]},
            {
                "not": {
                    "any": [
                        {"type": "has_link", "value": True},
                        {"type": "language", "value": ["zh"]},
                    ]
                }
            },
        ]
    }
    # And it comes back as the same tree, not as JSON.
    page = manager_client.get(reverse("rules:edit", args=[rule.pk])).content.decode()
    assert 'name="c-1-kind" value="group"' in page
    assert 'name="c-1.1-value" value="zh"' in page
    assert 'c-1-negate" checked' in page


def test_buttons_add_and_remove_conditions_without_saving(manager_client):
    fields = {
        "c-0-type": "intent",
        "c-0-value": "complaint",
        "c-1-type": "has_link",
        "c-1-value": "yes",
    }
    page = post(manager_client, op="group:", **fields).content.decode()
    assert 'name="c-2-kind" value="group"' in page and 'name="c-2.0-type"' in page
    page = post(manager_client, op="remove:0", **fields).content.decode()
    # The rest is renumbered: has_link is the first condition now.
    assert 'name="c-0-value" value="yes"' in page and 'value="complaint"' not in page
    page = post(manager_client, op="add:", **fields).content.decode()
    assert 'name="c-2-type"' in page
    htmx = manager_client.post(
        reverse("rules:new"), {**BASE, **fields, "op": "add-action"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert htmx.lstrip().startswith('<fieldset id="actions"') and 'name="a-1-type"' in htmx
    assert not Rule.objects.exists()


def test_removing_the_only_action_then_saving_says_why(manager_client):
    page = post(manager_client, op="remove-action:0").content.decode()
    assert 'name="a-0-type"' not in page
    page = manager_client.post(
        reverse("rules:new"), {k: v for k, v in BASE.items() if not k.startswith("a-")}
    ).content.decode()
    assert "Give the rule at least one action." in page


def test_a_rule_naming_a_deactivated_agent_is_refused(manager_client):
    factories.make_user("jack", is_active=False)
    page = post(manager_client, **{"a-0-type": "assign", "a-0-value": "jack"}).content.decode()
    assert "the agent &#x27;jack&#x27; is deactivated" in page
    page = post(manager_client, **{"a-0-type": "assign", "a-0-value": "ghost"}).content.decode()
    assert "there is no agent &#x27;ghost&#x27;" in page
    assert not Rule.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"a-0-type": "assign_round_robin", "a-0-value": "Night shift"}, "there is no team"),
        ({"a-0-type": "reply", "a-0-value": "Gone reply"}, "there is no saved reply"),
        ({"a-0-type": "remove_tag", "a-0-value": "Nope"}, "there is no tag"),
        ({"c-0-type": "has_tag", "c-0-value": "Nope"}, "there is no tag"),
        ({"c-0-type": "assignee", "c-0-value": "nobody, ghost"}, "there is no agent"),
        ({"c-0-type": "channel", "c-0-value": "999"}, "there is no channel #999"),
    ],
)
def test_every_reference_is_looked_up(manager_client, fields, message):
    page = post(manager_client, **fields).content.decode()
    assert message in page
    assert not Rule.objects.exists()


def test_existing_references_pass(manager_client):
    factories.make_user("jack")
    Team.objects.create(name="Night shift")
    SavedReply.objects.create(title="Sorry", body="Sorry!")
    Tag.objects.create(name="Waiting")
    response = post(
        manager_client,
        **{
            "c-0-type": "assignee",
            "c-0-value": "nobody",
            "c-1-type": "has_tag",
            "c-1-value": "waiting",
            "a-0-type": "assign",
            "a-0-value": "Jack",
            "a-1-type": "assign_round_robin",
            "a-1-value": "night shift",
            "a-2-type": "reply",
            "a-2-value": "Sorry",
            "a-3-type": "remove_tag",
            "a-3-value": "Waiting",
            "a-4-type": "add_tag",
            "a-4-value": "Brand new tag",
        },
    )
    assert response.status_code == 302, response.content.decode()


def test_the_api_and_the_model_check_references_too(manager_client):
    bad = manager_client.post(
        "/rules/api/rules/",
        {"name": "Bad", "conditions": {}, "actions": [{"type": "assign", "value": "ghost"}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "there is no agent" in bad.json()["actions"][0]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="there is no saved reply"):
        Rule(name="X", actions=[{"type": "reply", "value": "nope"}]).full_clean()


def test_rule_changes_are_audited(manager_client, manager):
    response = post(manager_client, **{"c-0-type": "intent", "c-0-value": "complaint"})
    rule = Rule.objects.get()
    post(
        manager_client,
        url=reverse("rules:edit", args=[rule.pk]),
        **{"c-0-type": "intent", "c-0-value": "question"},
    )
    manager_client.post(reverse("rules:toggle", args=[rule.pk]))
    manager_client.post(reverse("rules:delete", args=[rule.pk]))
    assert response.status_code == 302
    entries = list(Entry.objects.filter(target_type="rule").order_by("id"))
    assert [e.verb for e in entries] == ["created", "changed", "disabled", "deleted"]
    assert entries[1].changes["conditions"] == [
        {"all": [{"type": "intent", "value": ["complaint"]}]},
        {"all": [{"type": "intent", "value": ["question"]}]},
    ]
    assert entries[2].changes == {"enabled": [True, False]}
    assert all(e.actor == manager for e in entries)


def test_tree_from_json_keeps_double_negation_and_a_bare_leaf():
    tree = tree_from_json({"not": {"not": {"type": "has_link", "value": True}}})
    assert tree.children[0].group and tree.children[0].negate
    assert tree.children[0].children[0].negate
    bare = tree_from_json({"type": "has_link", "value": True})
    assert bare.mode == "all" and bare.children[0].type == "has_link"
