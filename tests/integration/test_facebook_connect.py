"""The admin's connect flow, end to end against the Graph stand-in (OAuth dialog included).

Facebook Login manual flow: https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
Pages and their tokens:     https://developers.facebook.com/docs/pages-api/getting-started
Webhook subscription:       https://developers.facebook.com/docs/pages-api/webhooks-for-pages
"""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from channels_fb.standin import PAGE_ID, POST_ID, GraphStandin
from inbox.channels import mark_needs_reconnect
from inbox.connectors import registry
from inbox.models import ActionState, Channel, ChannelStatus, OutboundAction
from switchboard.standin_server import served
from tests.support.facebook import make_fb_channel

OUTLET_ID = "108834561200937"


@pytest.fixture
def standin(settings):
    with served(GraphStandin()) as app:
        settings.META_GRAPH_BASE = app.url
        settings.META_OAUTH_DIALOG_URL = f"{app.url}/dialog/oauth"
        yield app


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def log_in_with_facebook(client, start_url="/channels/facebook/connect/"):
    """Follow the redirect to the (stand-in) dialog and back to our callback."""
    to_dialog = client.get(start_url)
    assert to_dialog.status_code == 302
    consent = requests.get(to_dialog["Location"], allow_redirects=False, timeout=5)
    assert consent.status_code == 302
    back = urlsplit(consent.headers["Location"])
    assert back.path == "/channels/facebook/connect/callback/"
    return client.get(f"{back.path}?{back.query}")


def test_admin_connects_pages_including_business_owned(admin_client, standin):
    start = admin_client.get("/channels/facebook/connect/")
    dialog = urlsplit(start["Location"])
    assert dialog.path == "/dialog/oauth" and "pages_messaging" in dialog.query

    callback = log_in_with_facebook(admin_client)
    assert callback["Location"] == "/channels/facebook/connect/pages/"
    page = admin_client.get("/channels/facebook/connect/pages/").content.decode()
    assert "Polaris Outfitters" in page and "Polaris Outlet Tallinn" in page
    assert "owned by Polaris Group" in page  # found through /me/businesses

    done = admin_client.post(
        "/channels/facebook/connect/pages/", {"page": [PAGE_ID, OUTLET_ID], "instagram": [PAGE_ID]}
    )
    assert done.status_code == 302
    main = Channel.objects.get(kind="facebook", external_id=PAGE_ID)
    outlet = Channel.objects.get(kind="facebook", external_id=OUTLET_ID)
    assert main.credentials["access_token"] == standin.pages[PAGE_ID].token
    assert outlet.credentials["access_token"] == standin.pages[OUTLET_ID].token
    assert standin.pages[PAGE_ID].subscribed_fields[:2] == ["feed", "messages"]
    assert "message_echoes" in standin.pages[OUTLET_ID].subscribed_fields
    instagram = Channel.objects.filter(kind="instagram").first()
    if "instagram" in registry.kinds():
        assert instagram.external_id == "17841405822304914"
        assert instagram.credentials["page_id"] == PAGE_ID
    else:
        assert instagram is None

    listing = admin_client.get("/channels/").content.decode()
    assert "Polaris Outlet Tallinn" in listing and "Needs reconnect" not in listing


def test_needs_reconnect_is_shown_and_one_click_reconnect_releases_held_work(
    admin_client, standin, django_capture_on_commit_callbacks
):
    channel = make_fb_channel(token="dead-token")
    standin.expire_token()
    mark_needs_reconnect(
        channel,
        "Facebook access token rejected (code 190/460): the password "
        "was changed. Reconnect the channel.",
    )
    held = OutboundAction.objects.create(
        channel=channel, kind="like", target_external_id=POST_ID, state=ActionState.HELD
    )
    listing = admin_client.get("/channels/").content.decode()
    assert "Needs reconnect" in listing and "the password was changed" in listing
    assert f"/channels/facebook/connect/?reconnect={channel.pk}" in listing

    new_token = standin.renew_token()
    with django_capture_on_commit_callbacks(execute=True):
        done = log_in_with_facebook(
            admin_client, f"/channels/facebook/connect/?reconnect={channel.pk}"
        )
    assert done["Location"] == "/channels/"
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.ACTIVE
    assert channel.credentials["access_token"] == new_token
    held.refresh_from_db()
    assert held.state == ActionState.DONE
    assert [p["kind"] for p in standin.posted if p["kind"] == "like"] == ["like"]


def test_only_admins_connect(client, agent, manager, standin):
    for user in (agent, manager):
        client.force_login(user)
        assert client.get("/channels/facebook/connect/").status_code == 403
        assert client.get("/channels/").status_code == 403


def test_callback_with_a_foreign_state_is_refused(admin_client, standin):
    admin_client.get("/channels/facebook/connect/")
    response = admin_client.get(
        "/channels/facebook/connect/callback/", {"code": "stolen", "state": "forged"}
    )
    assert response.status_code == 403
    assert not Channel.objects.exists()


def test_page_names_are_escaped(admin_client, standin):
    standin.pages[PAGE_ID].name = "<script>alert(1)</script>"
    log_in_with_facebook(admin_client)
    page = admin_client.get("/channels/facebook/connect/pages/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("reconnect", ["abc", "1.5", "²", "999999"])
def test_reconnect_of_a_channel_that_is_not_there_answers_404(admin_client, standin, reconnect):
    response = admin_client.get("/channels/facebook/connect/", {"reconnect": reconnect})
    assert response.status_code == 404


def test_reconnect_of_another_kind_of_channel_answers_404(admin_client, standin):
    x_channel = Channel.objects.create(kind="x", external_id="1", name="X")
    response = admin_client.get("/channels/facebook/connect/", {"reconnect": x_channel.pk})
    assert response.status_code == 404


def test_a_state_is_spent_by_its_first_callback_even_when_the_exchange_fails(admin_client, standin):
    to_dialog = admin_client.get("/channels/facebook/connect/")
    consent = requests.get(to_dialog["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(consent.headers["Location"])
    state = parse_qs(back.query)["state"][0]
    failed = admin_client.get(back.path, {"code": "not-a-code", "state": state})
    assert failed["Location"] == "/channels/"  # Facebook refused the exchange

    replay = admin_client.get(f"{back.path}?{back.query}")  # the same state, a good code
    assert replay.status_code == 403
    code = parse_qs(back.query)["code"][0]
    for spent in ("", None):  # the spent state is empty: an empty one must not match it
        query = {"code": code} if spent is None else {"code": code, "state": spent}
        assert admin_client.get(back.path, query).status_code == 403
    assert not Channel.objects.filter(kind="facebook").exists()
