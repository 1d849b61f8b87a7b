"""The knowledge base through its real URLs: managers keep the articles, agents search the
published ones, customers read a published one at its public address and never a draft."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Entry
from kb.models import Article

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def returns():
    return Article.objects.create(
        title="Returns and refunds",
        slug="returns",
        body="Send it back within **30 days**.",
        tags="refund, exchange",
        published=True,
    )


@pytest.fixture
def draft():
    return Article.objects.create(
        title="Returns in 2027 (draft)", slug="returns-2027", body="Secret plans", published=False
    )


def test_a_published_article_is_public_and_rendered(returns):
    page = Client().get("/help/returns/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<h1>Returns and refunds</h1>" in html
    assert "<strong>30 days</strong>" in html


def test_a_draft_is_not_public_but_a_manager_may_preview_it(draft, agent, manager):
    assert Client().get("/help/returns-2027/").status_code == 404
    assert logged_in(agent).get("/help/returns-2027/").status_code == 404
    preview = logged_in(manager).get("/help/returns-2027/")
    assert preview.status_code == 200 and "Draft: only managers" in preview.content.decode()


def test_the_public_page_renders_unsafe_markdown_safely():
    Article.objects.create(
        title="Evil",
        slug="evil",
        published=True,
        body="<script>alert(1)</script>[x](javascript:alert(2))",
    )
    html = Client().get("/help/evil/").content.decode()
    assert "<script>alert" not in html and "javascript:" not in html


def test_search_offers_published_articles_only_with_their_public_link(
    returns, draft, agent, settings
):
    settings.SITE_URL = "https://support.polaris.example/"
    found = logged_in(agent).get(reverse("kb:search"), {"q": "returns"}).json()["results"]
    assert found == [
        {
            "title": "Returns and refunds",
            "url": "https://support.polaris.example/help/returns/",
            "language": "en",
            "tags": ["refund", "exchange"],
            "source": "",
        }
    ]
    # Tags are searched too.
    by_tag = logged_in(agent).get(reverse("kb:search"), {"q": "exchange"}).json()["results"]
    assert [a["title"] for a in by_tag] == ["Returns and refunds"]


def test_search_needs_a_login(returns):
    answer = Client().get(reverse("kb:search"), {"q": "returns"})
    assert answer.status_code == 302 and "/login/" in answer["Location"]


@pytest.mark.parametrize("name", ["kb:articles", "kb:article_new"])
def test_agents_are_refused_the_management_pages(agent, manager, name):
    assert logged_in(agent).get(reverse(name)).status_code == 403
    page = logged_in(manager).get(reverse(name))
    assert page.status_code == 200
    assert ">Help articles</a>" in page.content.decode()  # in the settings menu


def test_an_agent_cannot_change_or_delete_an_article(returns, agent):
    client = logged_in(agent)
    assert (
        client.post(
            reverse("kb:article_new"), {"title": "x", "slug": "x", "body": "x", "language": "en"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("kb:article_edit", args=[returns.pk]),
            {"title": "Hacked", "slug": "returns", "body": "x", "language": "en"},
        ).status_code
        == 403
    )
    assert client.post(reverse("kb:article_delete", args=[returns.pk])).status_code == 403
    assert Article.objects.get(pk=returns.pk).title == "Returns and refunds"


def test_a_manager_writes_publishes_and_deletes_an_article(manager):
    client = logged_in(manager)
    answer = client.post(
        reverse("kb:article_new"),
        {
            "title": "Shipping times",
            "slug": "shipping",
            "body": "Two days.",
            "tags": "delivery",
            "language": "en",
        },
    )
    assert answer.status_code == 302
    article = Article.objects.get(slug="shipping")
    assert not article.published and article.updated_by == manager
    assert Client().get("/help/shipping/").status_code == 404

    client.post(
        reverse("kb:article_edit", args=[article.pk]),
        {
            "title": "Shipping times",
            "slug": "shipping",
            "body": "Two days.",
            "tags": "delivery",
            "language": "en",
            "published": "on",
        },
    )
    assert Client().get("/help/shipping/").status_code == 200

    client.post(reverse("kb:article_delete", args=[article.pk]))
    assert not Article.objects.exists()
    verbs = list(
        Entry.objects.filter(target_name="Shipping times")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["created", "changed", "deleted"]


def test_a_slug_is_unique(returns, manager):
    answer = logged_in(manager).post(
        reverse("kb:article_new"),
        {"title": "Other", "slug": "returns", "body": "x", "language": "en"},
    )
    assert answer.status_code == 200 and "already exists" in answer.content.decode()


def test_search_costs_the_same_few_queries_however_many_articles(agent, django_assert_num_queries):
    Article.objects.bulk_create(
        Article(title=f"Returns {n}", slug=f"returns-{n}", body="x", published=True)
        for n in range(50)
    )
    client = logged_in(agent)
    # Session, user, and the one search (at most 8 rows).
    with django_assert_num_queries(3):
        found = client.get(reverse("kb:search"), {"q": "returns"}).json()["results"]
    assert len(found) == 8
