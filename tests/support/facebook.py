"""Helpers for the Facebook Page tests: the channel, signed fixture posts, the stand-in."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.conf import settings

from channels_fb.standin import PAGE_ID, PAGE_TOKEN, GraphStandin
from inbox.models import Channel
from meta.graph import GRAPH_BUDGET
from meta.standin.delivery import meta_json
from meta.webhooks import sign_body
from switchboard.standin_server import served

FIXTURES = Path(__file__).resolve().parents[2] / "channels_fb" / "fixtures"
WEBHOOK_URL = "/webhooks/facebook/"


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def fixture(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def make_fb_channel(*, api_base_url: str = "", token: str = PAGE_TOKEN) -> Channel:
    channel, _ = Channel.objects.update_or_create(
        kind="facebook",
        external_id=PAGE_ID,
        defaults={"name": "Polaris Outfitters", "api_base_url": api_base_url},
    )
    channel.credentials = {"access_token": token}
    channel.save(update_fields=["credentials"])
    return channel


def graph_throttles_lift() -> None:
    """Time passes for every channel's Graph throttle, which all processes share in the
    channel's row (meta/graph.py): it has lifted, and the next call probes Graph again."""
    for channel in Channel.objects.all():
        budget = channel.rate_limits.get(GRAPH_BUDGET)
        if isinstance(budget, dict) and "reset" in budget:
            lifted = {**budget, "reset": int(time.time()) - 1, "probe_until": 0}
            channel.rate_limits = {**channel.rate_limits, GRAPH_BUDGET: lifted}
            Channel.objects.filter(pk=channel.pk).update(rate_limits=channel.rate_limits)


def post_signed(
    client, body: bytes | dict, *, secret: str | None = None, signature: str | None = None
):
    """POST a webhook body the way Meta does; a dict is serialised as Meta serialises."""
    if isinstance(body, dict):
        body = meta_json(body)
    headers = {}
    if signature is None:
        signature = sign_body(body, secret if secret is not None else settings.META_APP_SECRET)
    if signature:
        headers["HTTP_X_HUB_SIGNATURE_256"] = signature
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", **headers)


def deliver(callbacks, client, *names_or_bodies, **kwargs):
    """Post each body signed and run what the request queued after commit (the ingest)."""
    responses = []
    for item in names_or_bodies:
        body = fixture_bytes(item) if isinstance(item, str) else item
        with callbacks(execute=True):
            responses.append(post_signed(client, body, **kwargs))
    return responses


@pytest.fixture
def graph_standin():
    """The Graph API stand-in on a local port (its seeded Page post is the fixtures' post).
    Its webhooks go nowhere unless a test delivers them."""
    with served(GraphStandin()) as app:
        yield app
        app.webhooks.stop()
