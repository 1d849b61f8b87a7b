"""Deleting a rule, an SLA policy, business hours or an article, and deactivating a person,
ask first: the list links to a page that says what goes and holds the POST form. A GET of
that page (a slip, a crawler, a browser's prefetch) changes nothing; the POST needs CSRF."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from kb.models import Article
from rules.models import BusinessHours, Holiday, Rule, SlaPolicy
from tests.support import factories

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
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_delete_link_asks_and_only_the_post_deletes(manager, kind):
    make, delete, listed, says = KINDS[kind]
    obj = make()
    model = type(obj)
    client = logged_in(manager)
    url = reverse(delete, args=[obj.pk])
    assert f'href="{url}"' in client.get(reverse(listed)).content.decode()

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="confirm-delete"' in html and 'method="post"' in html
    assert "csrfmiddlewaretoken" in html and says in html
    assert f'href="{reverse(listed)}">Cancel' in html
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
