"""A URL that answers a page or, for htmx, a fragment says so in `Vary`, so no cache (the
browser's Back included) serves one for the other (https://htmx.org/docs/#caching)."""

import pytest
from django.urls import reverse

from tests.support import factories

pytestmark = pytest.mark.django_db


def _vary(response) -> set[str]:
    return {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}


@pytest.mark.parametrize("htmx", [False, True])
def test_the_inbox_and_a_conversation_vary_on_hx_request(agent_client, htmx):
    conversation = factories.make_conversation()
    headers = {"HX-Request": "true"} if htmx else {}
    for url in (reverse("inbox:inbox"), reverse("inbox:conversation", args=[conversation.pk])):
        response = agent_client.get(url, headers=headers)
        assert response.status_code == 200
        assert "hx-request" in _vary(response), url


def test_a_page_that_is_always_the_same_does_not(admin_client):
    response = admin_client.get(reverse("inbox:channels"))
    assert response.status_code == 200
    assert "hx-request" not in _vary(response)
