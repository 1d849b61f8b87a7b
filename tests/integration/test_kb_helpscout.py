"""The ?? picker also offers a Help Scout Docs site's articles, searched over real HTTP on the
Docs API stand-in; when Help Scout fails, the local articles still come back at once."""

import pytest
from django.test import Client
from django.urls import reverse

from kb.models import Article
from kb.standin import DocsStandin
from switchboard.standin_server import served

pytestmark = pytest.mark.django_db


@pytest.fixture
def docs(settings):
    with served(DocsStandin(api_key="docs-key")) as app:
        settings.HELPSCOUT_DOCS_API_KEY = "docs-key"
        settings.HELPSCOUT_DOCS_API_URL = app.url
        yield app


@pytest.fixture
def picker(agent):
    client = Client()
    client.force_login(agent)
    return lambda q: client.get(reverse("kb:search"), {"q": q}).json()["results"]


def test_help_scout_articles_follow_ours(docs, picker):
    Article.objects.create(title="Returns and refunds", slug="returns", body="x", published=True)
    docs.add_article("Returns from abroad", "returns-abroad", text="Customs forms for returns")
    docs.add_article("Returns (old)", "returns-old", text="returns", status="notpublished")
    docs.add_article("Sizing guide", "sizing", text="Which size fits")
    found = picker("returns")
    assert [(r["title"], r["source"]) for r in found] == [
        ("Returns and refunds", ""),
        ("Returns from abroad", "Help Scout"),
    ]
    assert found[1]["url"] == "https://polaris.helpscoutdocs.com/article/1-returns-abroad"
    assert docs.searches == ["returns"]


@pytest.mark.parametrize("trouble", ["down", "wrong key"])
def test_a_failing_help_center_leaves_our_articles(docs, picker, settings, trouble):
    Article.objects.create(title="Returns and refunds", slug="returns", body="x", published=True)
    docs.add_article("Returns from abroad", "returns-abroad", text="returns")
    if trouble == "down":
        docs.down = True
    else:
        settings.HELPSCOUT_DOCS_API_KEY = "revoked"
    assert [r["title"] for r in picker("returns")] == ["Returns and refunds"]


def test_an_article_without_an_https_address_is_not_offered(docs, picker):
    docs.add_article("Returns", "returns", text="returns", site="javascript:alert(1)//")
    assert picker("returns") == []


def test_without_a_key_help_scout_is_never_called(docs, picker, settings):
    settings.HELPSCOUT_DOCS_API_KEY = ""
    docs.add_article("Returns from abroad", "returns-abroad", text="returns")
    assert picker("returns") == [] and docs.searches == []
