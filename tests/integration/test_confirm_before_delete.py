"""Deleting a rule, an SLA policy, business hours, an article, a webhook or a message on the
platform, revoking an API token and deactivating a person ask first: the list links to a page that says what goes and holds the POST form. A GET of
that page (a slip, a crawler, a browser's prefetch) changes nothing; the POST needs CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from api.models import ApiToken
from api.tokens import token_create
from inbox.models import OutboundAction
from kb.models import Article
from rules.models import BusinessHours, Holiday, Rule, SlaPolicy
from tests.support import factories
from webhooks_out.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


def logged_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def _rule():
    return Rule.objects.create(name="Close thanks", actions=[{"type": "close"}], hit_count=3)


def _sla():
    return SlaPolicy.objects.create(name="Standard")


def _hours():
    hours = BusinessHours.objects.create(name="Tallinn desk")
    Holiday.objects.create(business_hours=hours, date="2026-12-24", name="Christmas Eve")
    SlaPolicy.objects.create(name="Business", business_time=True, business_hours=hours)
    return hours


def _article():
    return Article.objects.create(
        title="Returns", slug="returns", body="Send it back.", published=True
    )


def _webhook():
    hook = Subscription.objects.create(url="https://hooks.example.com/in", events=["x"])
    Delivery.objects.create(subscription=hook, event="conversation.closed", uid="d1", body="{}")
    return hook


# kind: (make one, its delete URL name, its list URL name, what the confirmation says)
KINDS = {
    "rule": (_rule, "rules:delete", "rules:list", "What it already did (it matched 3 times)"),
    "sla policy": (_sla, "rules:sla_policy_delete", "rules:sla_policies", "timed again"),
    "business hours": (
        _hours,
        "rules:business_hours_delete",
        "rules:business_hours",
        "SLA policies that count these hours (Business)",
    ),
    "article": (
        _article,
        "kb:article_delete",
        "kb:articles",
        "Its public address, /help/returns/, stops working",
    ),
    "webhook": (_webhook, "webhooks_out:delete", None, "the record of its 1 delivery go with it"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_delete_link_asks_and_only_the_post_deletes(manager, kind):
    make, delete, listed, says = KINDS[kind]
    obj = make()
    model = type(obj)
    client = logged_in(manager)
    url = reverse(delete, args=[obj.pk])
    # The link is on the list, or for a webhook on its own page.
    listed_url = reverse(listed) if listed else reverse("webhooks_out:detail", args=[obj.pk])
    assert f'href="{url}"' in client.get(listed_url).content.decode()

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="confirm-delete"' in html and 'method="post"' in html
    assert "csrfmiddlewaretoken" in html and says in html
    assert f'href="{listed_url}">Cancel' in html
    assert model.objects.filter(pk=obj.pk).exists()  # the GET changed nothing

    assert client.post(url).status_code == 302
    assert not model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize("kind", KINDS)
def test_the_delete_post_needs_the_csrf_token_and_a_manager(agent, manager, kind):
    make, delete, _, _ = KINDS[kind]
    obj = make()
    url = reverse(delete, args=[obj.pk])
    assert logged_in(agent).get(url).status_code == 403
    assert logged_in(agent).post(url).status_code == 403
    assert logged_in(manager, csrf=True).post(url).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_deactivate_asks_first_and_its_form_deactivates(admin_user, agent, testchat_channel):
    convo = factories.make_conversation(testchat_channel, text="Where is my parcel?")
    type(convo).objects.filter(pk=convo.pk).update(assignee=agent)
    admin = logged_in(admin_user)
    url = reverse("accounts:person_deactivate", args=[agent.pk])
    assert f'href="{url}"' in admin.get(reverse("accounts:people")).content.decode()

    html = admin.get(url).content.decode()
    assert 'id="confirm-deactivate"' in html and "csrfmiddlewaretoken" in html
    assert f'action="{reverse("accounts:person_active", args=[agent.pk])}"' in html
    assert "can no longer log in" in html and "1 conversation not yet closed" in html
    assert User.objects.get(pk=agent.pk).is_active  # the GET changed nothing

    admin.post(reverse("accounts:person_active", args=[agent.pk]), {"active": "0"})
    assert not User.objects.get(pk=agent.pk).is_active
    assert not Client().login(username=agent.username, password=factories.PASSWORD)
    # Deactivated: the page offers Reactivate, not the confirmation.
    assert admin.get(url).status_code == 404


def test_nobody_is_asked_to_deactivate_themselves(admin_user):
    response = logged_in(admin_user).get(
        reverse("accounts:person_deactivate", args=[admin_user.pk])
    )
    assert response.status_code == 302
    assert User.objects.get(pk=admin_user.pk).is_active


def test_revoke_asks_first_and_only_the_post_revokes(agent, agent2):
    token, _ = token_create(user=agent, name="shop sync")
    client = logged_in(agent)
    url = reverse("api:revoke", args=[token.pk])
    assert f'href="{url}"' in client.get(reverse("api:tokens")).content.decode()
    html = client.get(url).content.decode()
    assert 'id="confirm-revoke"' in html and "csrfmiddlewaretoken" in html
    assert "never used yet" in html and "are refused from now on" in html
    assert ApiToken.objects.get(pk=token.pk).is_active  # the GET changed nothing
    assert logged_in(agent2).post(url).status_code == 404  # only its owner revokes it
    assert logged_in(agent, csrf=True).post(url).status_code == 403
    assert ApiToken.objects.get(pk=token.pk).is_active
    client.post(url)
    assert not ApiToken.objects.get(pk=token.pk).is_active
    assert client.get(url).status_code == 404  # revoked: nothing left to ask


def test_a_message_delete_asks_on_a_page_without_javascript(agent, testchat_channel):
    convo = factories.make_conversation(testchat_channel, text="spam spam", customer="Mari")
    message = convo.messages.get()
    client = logged_in(agent)
    url = reverse("inbox:message_action", args=[message.pk, "delete"])
    pane = client.get(reverse("inbox:conversation", args=[convo.pk])).content.decode()
    # The Delete button's own form GETs the question; htmx posts to the same address.
    assert f'hx-post="{url}" method="get" action="{url}"' in pane

    html = client.get(url).content.decode()
    assert 'id="confirm-delete"' in html and "csrfmiddlewaretoken" in html
    assert "“spam spam” by Mari is deleted on" in html
    assert f'href="{reverse("inbox:conversation", args=[convo.pk])}">Cancel' in html
    assert not OutboundAction.objects.exists()  # the GET changed nothing
    # Only Delete asks on a page; the other actions are POSTs alone.
    assert client.get(reverse("inbox:message_action", args=[message.pk, "like"])).status_code == 405

    assert client.post(url).status_code == 302
    assert list(OutboundAction.objects.values_list("kind", flat=True)) == ["delete"]
