"""The agent's settings page and the manager pages (saved replies, tags, teams), through the
real URLs: who may use them, and that what is saved there reaches the composer."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Team
from inbox.models import Message, SavedReply, Tag
from tests.support import factories

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def composer_replies(client, conversation) -> list[str]:
    """The titles of the saved replies the composer's `##` picker offers."""
    html = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    start = html.index('<script id="saved-replies" type="application/json">')
    payload = html[start:].split(">", 1)[1].split("</script>", 1)[0]
    return sorted(reply["title"] for reply in json.loads(payload))


# ---- who may come in -----------------------------------------------------------------------

MANAGER_PAGES = ["accounts:saved_replies", "accounts:tags", "accounts:teams"]


@pytest.mark.parametrize("name", MANAGER_PAGES + ["accounts:settings"])
def test_outsiders_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_agents_get_403_on_manager_pages(agent_client, name):
    assert agent_client.get(reverse(name)).status_code == 403
    assert agent_client.post(reverse(name), {"name": "sneaky"}).status_code == 403
    assert not Tag.objects.filter(name="sneaky").exists()


def test_agents_cannot_edit_or_delete_either(agent_client):
    tag = Tag.objects.create(name="keep")
    assert (
        agent_client.post(
            reverse("accounts:tags_edit", args=[tag.pk]), {"name": "renamed", "color": "#000000"}
        ).status_code
        == 403
    )
    assert agent_client.post(reverse("accounts:tags_delete", args=[tag.pk])).status_code == 403
    assert Tag.objects.get(pk=tag.pk).name == "keep"


@pytest.mark.parametrize("name", MANAGER_PAGES)
def test_managers_and_admins_see_manager_pages(manager, admin_user, name):
    assert logged_in(manager).get(reverse(name)).status_code == 200
    assert logged_in(admin_user).get(reverse(name)).status_code == 200


# ---- the agent's signature -----------------------------------------------------------------


def test_signature_is_saved_and_appended_to_replies(agent_client, agent, testchat_channel):
    response = agent_client.post(
        reverse("accounts:settings"), {"signature": "— Anna, Polaris support"}
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.signature == "— Anna, Polaris support"
    conversation = factories.make_conversation(testchat_channel, text="Where is it?")
    page = agent_client.get(reverse("inbox:conversation", args=[conversation.pk]))
    assert 'name="signature" checked' in page.content.decode()

    agent_client.post(
        reverse("inbox:reply", args=[conversation.pk]),
        {"text": "It ships today.", "mode": "public", "signature": "on"},
    )
    sent = Message.objects.get(conversation=conversation, direction="out")
    assert sent.text == "It ships today.\n— Anna, Polaris support"

    agent_client.post(
        reverse("inbox:reply", args=[conversation.pk]), {"text": "Without it.", "mode": "public"}
    )
    assert Message.objects.filter(conversation=conversation, text="Without it.").exists()


def test_signature_settings_show_the_current_one_escaped(agent_client, agent):
    agent.signature = "<script>alert(1)</script>"
    agent.save()
    html = agent_client.get(reverse("accounts:settings")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


# ---- saved replies by scope ----------------------------------------------------------------


def test_saved_reply_scopes_decide_who_sees_what_in_the_composer(
    manager, agent, agent2, testchat_channel
):
    boss = logged_in(manager)
    team = Team.objects.create(name="Estonian desk")
    team.members.add(agent)
    url = reverse("accounts:saved_replies")
    for data in (
        {"title": "For everyone", "body": "Hi {first_name}", "scope": "everyone"},
        {
            "title": "Estonian desk only",
            "body": "Tere {first_name}",
            "scope": "team",
            "team": team.pk,
        },
        {
            "title": "Anna's own",
            "body": "Cheers, {agent_name}",
            "scope": "personal",
            "owner": agent.pk,
        },
    ):
        assert boss.post(url, data).status_code == 302, data
    assert SavedReply.objects.count() == 3
    conversation = factories.make_conversation(testchat_channel, text="Hello")

    assert composer_replies(logged_in(agent), conversation) == [
        "Anna's own",
        "Estonian desk only",
        "For everyone",
    ]
    assert composer_replies(logged_in(agent2), conversation) == ["For everyone"]


def test_saved_reply_scope_needs_its_owner_or_team(manager):
    boss = logged_in(manager)
    url = reverse("accounts:saved_replies")
    response = boss.post(url, {"title": "Orphan", "body": "x", "scope": "personal"})
    assert response.status_code == 200
    assert "A personal reply needs its owner." in response.content.decode()
    response = boss.post(url, {"title": "Teamless", "body": "x", "scope": "team"})
    assert "A team reply needs its team." in response.content.decode()
    assert not SavedReply.objects.exists()


def test_editing_a_saved_replys_scope_changes_who_sees_it(manager, agent, agent2, testchat_channel):
    reply = SavedReply.objects.create(
        title="Returns", body="Send it back", scope="personal", owner=agent
    )
    conversation = factories.make_conversation(testchat_channel, text="Hello")
    assert composer_replies(logged_in(agent2), conversation) == []
    response = logged_in(manager).post(
        reverse("accounts:saved_replies_edit", args=[reply.pk]),
        {"title": "Returns policy", "body": "Send it back", "scope": "everyone"},
    )
    assert response.status_code == 302
    assert composer_replies(logged_in(agent2), conversation) == ["Returns policy"]
    logged_in(manager).post(reverse("accounts:saved_replies_delete", args=[reply.pk]))
    assert composer_replies(logged_in(agent), conversation) == []


# ---- tags and teams ------------------------------------------------------------------------


def test_manager_creates_edits_and_deletes_a_tag(manager):
    boss = logged_in(manager)
    assert (
        boss.post(reverse("accounts:tags"), {"name": "refund", "color": "#1f7a4d"}).status_code
        == 302
    )
    tag = Tag.objects.get(name="refund")
    response = boss.post(
        reverse("accounts:tags_edit", args=[tag.pk]), {"name": "refunds", "color": "#zz0000"}
    )
    assert response.status_code == 200 and "Use a colour like" in response.content.decode()
    boss.post(reverse("accounts:tags_edit", args=[tag.pk]), {"name": "refunds", "color": "#aa0000"})
    tag.refresh_from_db()
    assert (tag.name, tag.color) == ("refunds", "#aa0000")
    assert "refunds" in boss.get(reverse("accounts:tags")).content.decode()
    boss.post(reverse("accounts:tags_delete", args=[tag.pk]))
    assert not Tag.objects.exists()


def test_manager_creates_a_team_and_changes_its_members(manager, agent, agent2):
    boss = logged_in(manager)
    boss.post(
        reverse("accounts:teams"),
        {"name": "Night shift", "members": [agent.pk], "timezone": "Europe/Tallinn"},
    )
    team = Team.objects.get(name="Night shift")
    assert list(team.members.all()) == [agent]
    boss.post(
        reverse("accounts:teams_edit", args=[team.pk]),
        {"name": "Night shift", "members": [agent2.pk], "timezone": "UTC"},
    )
    assert list(team.members.all()) == [agent2]
    assert Team.objects.get(pk=team.pk).timezone == "UTC"
