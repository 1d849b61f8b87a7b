"""The audit page lists connecting a new channel, changing and deleting one, and API tokens
created and revoked (never the token itself). Reconnects are covered in test_settings_pages."""

from urllib.parse import parse_qs, urlparse, urlsplit

import pytest
import requests
from django.test import override_settings

from api.models import ApiToken
from channels_fb.standin import PAGE_ID, GraphStandin
from inbox.models import Channel, ChannelStatus
from switchboard.standin_server import served
from tests.support.x import BRAND_ID

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def audit_page(client) -> str:
    response = client.get("/settings/audit/")
    assert response.status_code == 200
    return response.content.decode()


def test_connecting_a_new_facebook_page_is_audited(admin_client, settings):
    with served(GraphStandin()) as graph:
        settings.META_GRAPH_BASE = graph.url
        settings.META_OAUTH_DIALOG_URL = f"{graph.url}/dialog/oauth"
        consent = requests.get(
            admin_client.get("/channels/facebook/connect/")["Location"],
            allow_redirects=False,
            timeout=5,
        )
        back = urlsplit(consent.headers["Location"])
        admin_client.get(f"{back.path}?{back.query}")
        admin_client.post("/channels/facebook/connect/pages/", {"page": [PAGE_ID]})
        token = graph.pages[PAGE_ID].token
    channel = Channel.objects.get(kind="facebook", external_id=PAGE_ID)
    page = audit_page(admin_client)
    assert "connected" in page and channel.name in page
    assert token not in page  # the credentials are "(changed)", never shown


def test_connecting_a_new_x_account_is_audited(x_platform, admin_client):
    app, url = x_platform
    with override_settings(X_API_BASE=url):
        authorize = admin_client.get("/channels/x/connect/")["Location"]
        query = {k: v[0] for k, v in parse_qs(urlparse(authorize).query).items()}
        answer = requests.post(
            authorize.split("?")[0],
            data={**query, "approve": "1", "user_id": BRAND_ID},
            allow_redirects=False,
            timeout=5,
        )
        back = urlparse(answer.headers["Location"])
        admin_client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})
    channel = Channel.objects.get(kind="x")
    page = audit_page(admin_client)
    assert "connected" in page and channel.name in page
    assert channel.credentials["access_token"] not in page


def test_disabling_and_deleting_a_channel_in_the_admin_is_audited(admin_client, admin_user):
    from tests.support import factories

    # Channels are changed and deleted only in the Django admin, by staff.
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    channel = factories.make_channel("testchat", name="Old support line")
    change = f"/admin/inbox/channel/{channel.pk}/change/"
    form = admin_client.get(change).context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data.update(status=ChannelStatus.DISABLED, config="{}")
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    admin_client.post(f"/admin/inbox/channel/{channel.pk}/delete/", {"post": "yes"})
    assert not Channel.objects.filter(pk=channel.pk).exists()
    page = audit_page(admin_client)
    assert "Old support line" in page
    assert "disabled" in page  # the status change, old → new
    assert "deleted" in page


def test_api_tokens_created_and_revoked_are_audited_without_the_token(admin_client):
    created = admin_client.post("/settings/api-tokens/", {"name": "shop sync"}, follow=True)
    raw = created.context["created"]["raw"]
    token = ApiToken.objects.get(name="shop sync")
    admin_client.post(f"/settings/api-tokens/{token.pk}/revoke/")
    page = audit_page(admin_client)
    assert "shop sync" in page and "created" in page and "revoked" in page
    assert raw not in page and token.digest not in page
