"""Admins' people pages: invite by e-mail, the invitee's own password, deactivation, the
password reset, the per-role permission to delete on the platform, and the audit log."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import RolePermissions, Team, User
from audit.models import Entry
from inbox.models import Direction, Message
from tests.support import factories

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_in(message) -> str:
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


@pytest.mark.parametrize("name", ["accounts:people", "accounts:roles", "audit:log"])
def test_only_admins(agent, manager, admin_user, name):
    assert logged_in(agent).get(reverse(name)).status_code == 403
    assert logged_in(manager).get(reverse(name)).status_code == 403
    assert logged_in(admin_user).get(reverse(name)).status_code == 200


def test_an_invited_agent_chooses_a_password_and_lands_in_the_inbox(admin_user):
    support = Team.objects.create(name="Support")
    admin = logged_in(admin_user)
    response = admin.post(
        reverse("accounts:people"),
        {
            "email": "kati@example.com",
            "first_name": "Kati",
            "role": "manager",
            "teams": [support.pk],
        },
    )
    assert response.status_code == 302
    kati = User.objects.get(email="kati@example.com")
    assert kati.username == "kati" and kati.role == "manager"
    assert list(kati.teams.all()) == [support] and not kati.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["kati@example.com"]
    assert "as manager" in mail.outbox[0].body
    link = link_in(mail.outbox[0])
    invitee = Client()
    page = invitee.get(link).content.decode()
    assert "You join as <strong>manager</strong>" in page
    # Django's password validators apply.
    page = invitee.post(link, {"new_password1": "short", "new_password2": "short"})
    assert "too short" in page.content.decode()
    response = invitee.post(
        link, {"new_password1": "tallinn-harbour-42", "new_password2": "tallinn-harbour-42"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("inbox:inbox")
    assert invitee.get(reverse("rules:list")).status_code == 200  # a manager now
    # The link works once.
    assert Client().get(link).status_code == 400
    verbs = list(
        Entry.objects.filter(target_type="user").order_by("id").values_list("verb", flat=True)
    )
    assert verbs == ["invited", "joined"]
    assert Entry.objects.get(verb="invited").changes["role"] == [None, "manager"]


def test_invite_refuses_a_known_email_or_username(admin_user, agent):
    page = (
        logged_in(admin_user)
        .post(reverse("accounts:people"), {"email": agent.email, "role": "agent"})
        .content.decode()
    )
    assert "already here" in page
    page = (
        logged_in(admin_user)
        .post(reverse("accounts:people"), {"email": "anna@elsewhere.example", "role": "agent"})
        .content.decode()
    )
    assert "The username &#x27;anna&#x27; is taken" in page
    assert not mail.outbox


def test_deactivated_people_cannot_log_in_and_are_never_deleted(admin_user, agent):
    session = logged_in(agent)
    admin = logged_in(admin_user)
    admin.post(reverse("accounts:person_active", args=[agent.pk]), {"active": "0"})
    agent.refresh_from_db()
    assert not agent.is_active
    assert session.get(reverse("inbox:inbox")).status_code == 302  # sent to log in
    assert not Client().login(username=agent.username, password=factories.PASSWORD)
    page = admin.get(reverse("accounts:people")).content.decode()
    assert "deactivated" in page and "Reactivate" in page
    admin.post(reverse("accounts:person_active", args=[agent.pk]), {"active": "1"})
    assert Client().login(username=agent.username, password=factories.PASSWORD)
    assert list(
        Entry.objects.filter(target_type="user").values_list("verb", flat=True).order_by("id")
    ) == ["deactivated", "reactivated"]
    # Nobody shuts themselves out.
    admin.post(reverse("accounts:person_active", args=[admin_user.pk]), {"active": "0"})
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_an_admin_changes_a_role_and_teams(admin_user, agent):
    team = Team.objects.create(name="Night")
    logged_in(admin_user).post(
        reverse("accounts:person_edit", args=[agent.pk]),
        {
            "first_name": "Anna",
            "last_name": "",
            "email": agent.email,
            "role": "manager",
            "is_available": "on",
            "max_open_conversations": "50",
            "teams": [team.pk],
        },
    )
    agent.refresh_from_db()
    assert agent.role == "manager" and list(agent.teams.all()) == [team]
    entry = Entry.objects.get(target_type="user", verb="changed")
    assert entry.changes == {"role": ["agent", "manager"], "teams": [[], ["Night"]]}


def test_password_reset_by_email(agent):
    client = Client()
    assert "Forgot your password?" in client.get(reverse("login")).content.decode()
    response = client.post(reverse("accounts:password_reset"), {"email": agent.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = link_in(mail.outbox[0])
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.content.decode()
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"},
    )
    assert response.status_code == 302
    assert Client().login(username=agent.username, password="a-brand-new-secret-9")


def test_a_role_may_be_kept_from_deleting_on_the_platform(admin_user, agent, testchat_channel):
    conversation = factories.make_conversation(testchat_channel, text="spam spam")
    message = Message.objects.get(conversation=conversation, direction=Direction.INBOUND)
    page = logged_in(agent).get(reverse("inbox:conversation", args=[conversation.pk]))
    delete_url = reverse("inbox:message_action", args=[message.pk, "delete"])
    assert delete_url in page.content.decode()
    logged_in(admin_user).post(
        reverse("accounts:roles"), {"manager-may_delete_platform_items": "on"}
    )  # agents unticked
    assert not RolePermissions.objects.get(role="agent").may_delete_platform_items
    page = logged_in(agent).get(reverse("inbox:conversation", args=[conversation.pk]))
    assert delete_url not in page.content.decode()
    assert logged_in(agent).post(delete_url).status_code == 403
    message.refresh_from_db()
    assert not message.deleted
    assert Entry.objects.filter(target_type="role", target_name="Agent").exists()


def test_logins_are_in_the_audit_log(agent, admin_user):
    Client().login(username=agent.username, password=factories.PASSWORD)
    Client().login(username=agent.username, password="wrong")
    assert list(
        Entry.objects.filter(target_type="access").order_by("id").values_list("verb", "target_name")
    ) == [("logged in", "anna"), ("login failed", "anna")]
    page = logged_in(admin_user).get(reverse("audit:log") + "?kind=access&actor=system")
    html = page.content.decode()
    assert "login failed" in html and "logged in" not in html
