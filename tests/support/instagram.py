"""Instagram test helpers: fixtures, signed webhook posts, the stand-in on local HTTP.

Its fixtures reach every test through `pytest_plugins` in tests/conftest.py.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

from channels_ig.standin.app import InstagramStandin
from inbox.models import Channel
from meta.standin.delivery import meta_json
from meta.webhooks import SIGNATURE_HEADER, sign_body
from switchboard.standin_server import served

FIXTURES = Path(__file__).resolve().parents[2] / "channels_ig" / "fixtures"
ACCOUNT_ID = "17841405822304914"
HANDLE = "polarisoutfitters"
PAGE_ID = "104857600000001"
TOKEN = "IG-STANDIN-TOKEN"  # noqa: S105 - the stand-in's test token
WEBHOOK_URL = "/webhooks/instagram/"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def signed_headers(body: bytes, secret: str | None = None) -> dict[str, str]:
    header = sign_body(body, secret or settings.META_APP_SECRET)
    return {f"HTTP_{SIGNATURE_HEADER.upper().replace('-', '_')}": header}


def post_webhook(client, payload: dict | bytes, *, secret: str | None = None, signed: bool = True):
    """POST like Meta: escaped-unicode JSON bytes, signed over exactly those bytes."""
    body = payload if isinstance(payload, bytes) else meta_json(payload)
    headers = signed_headers(body, secret) if signed else {}
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", **headers)


def make_ig_channel(api_base_url: str = "", **fields) -> Channel:
    channel = Channel.objects.create(
        kind="instagram",
        external_id=ACCOUNT_ID,
        name="Polaris Outfitters",
        handle=HANDLE,
        api_base_url=api_base_url,
        config=fields.pop("config", {"http_timeout": 0.5}),
        **fields,
    )
    # As the Facebook connect flow stores it: the linked Page's token and id.
    channel.credentials = {"access_token": TOKEN, "page_id": PAGE_ID}
    channel.save(update_fields=["credentials"])
    return channel


def wait_for(predicate: Callable[[], object], *, timeout: float = 10.0, what: str = "") -> object:
    """Poll with a short deadline instead of sleeping a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        time.sleep(0.02)


@pytest.fixture
def ig_standin():
    """The Instagram stand-in on a local port; webhooks go nowhere until a test sets
    `standin.webhooks.callback_url`."""
    standin = InstagramStandin(
        account_id=ACCOUNT_ID,
        username=HANDLE,
        access_token=TOKEN,
        page_id=PAGE_ID,
        app_secret=settings.META_APP_SECRET,
        echo_delay=0.3,
        retry_delays=(0.05, 0.1, 0.2),
    )
    with served(standin):
        standin.graph_url = f"{standin.url}/v24.0"
        yield standin
        standin.webhooks.stop()


@pytest.fixture
def ig_wired(ig_standin, live_server):
    """The stand-in delivering its webhooks to the live server, and a channel wired to it."""
    ig_standin.webhooks.callback_url = f"{live_server.url}/webhooks/instagram/"
    return ig_standin, make_ig_channel(ig_standin.graph_url)
