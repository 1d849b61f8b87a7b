"""Shared fixtures: personas (agent, manager, admin, outsider) and the real services."""

import os
import shutil

import pytest

from tests.support import factories

REQUIRE_SERVICES = os.environ.get("SWITCHBOARD_REQUIRE_SERVICES") == "1"


def need(condition: bool, what: str) -> None:
    """Skip when a real service is missing locally; on CI (.ci/run) that is a failure."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required on CI but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL", "")
    need(bool(url), "REDIS_URL")
    return url


@pytest.fixture
def redis_server_binary():
    path = shutil.which("redis-server")
    need(path is not None, "the redis-server binary")
    return path


@pytest.fixture
def agent(db):
    return factories.make_user("anna", role="agent", first_name="Anna")


@pytest.fixture
def agent2(db):
    return factories.make_user("boris", role="agent", first_name="Boris")


@pytest.fixture
def manager(db):
    return factories.make_user("maria", role="manager", first_name="Maria")


@pytest.fixture
def admin_user(db):
    return factories.make_user("root", role="admin", first_name="Ada")


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client
