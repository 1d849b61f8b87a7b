"""The X stand-in on local HTTP, its cast (the fixtures' brand and customers), and helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from channels_tw.standin import XStandin
from inbox.models import Channel
from switchboard.standin_server import served

FIXTURES = Path(__file__).resolve().parents[2] / "channels_tw" / "fixtures"
BRAND_ID = "1490213315082448897"
BRAND = "polarisoutfit"
MARINA, KADRI, LIN, JURGEN, LUCIA = (
    "1285937461120077824",
    "96583712",
    "1612398475630284800",
    "1399011223344556677",
    "1744120033415680000",
)
TOKEN = "x-test-access-token"  # noqa: S105 - the stand-in's test token
BRAND_SEARCH = {"name": "Brand name", "phrases": ["Polaris Outfitters", "polarisoutfitters"]}
HASHTAG_SEARCH = {"name": "#polariscare", "hashtags": ["polariscare"]}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture(name: str) -> dict:
    return json.loads(fixture_bytes(name))


def seeded_standin(**options) -> XStandin:
    app = XStandin(**options)
    app.add_user(BRAND_ID, BRAND, "Polaris Outfitters", followers=15842)
    for user_id, username, name in [
        (MARINA, "marina_sok", "Марина Соколова"),
        (KADRI, "kadri_tamm", "Kadri Tamm"),
        (LIN, "lin_xiaoyu", "林晓雨"),
        (JURGEN, "jbecker_outdoor", "Jürgen Becker"),
        (LUCIA, "lucia_viaja", "Lucía Viaja"),
    ]:
        app.add_user(user_id, username, name)
    app.issue_token(BRAND_ID, token=TOKEN, expires_in=10 * 86400, refresh=False)
    return app


@pytest.fixture
def x_platform():
    """(stand-in, its URL): a fresh X for each test, served over real HTTP."""
    with served(seeded_standin()) as app:
        yield app, app.url


def make_x_channel(url: str, *, credentials: dict | None = None, **config) -> Channel:
    return Channel.objects.create(
        kind="x",
        external_id=BRAND_ID,
        name="Polaris Outfitters",
        handle=BRAND,
        api_base_url=url,
        credentials=credentials or {"access_token": TOKEN},
        config={"searches": [BRAND_SEARCH, HASHTAG_SEARCH], **config},
    )
