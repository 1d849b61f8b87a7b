"""Shared fixtures: personas (agent, manager, admin, outsider) and the real services."""

import os
import shutil

import pytest

from tests.support import factories

# The stand-in fixtures (graph_standin, ig_standin, ig_wired, x_platform) live beside the
# helpers of each platform's tests.
pytest_plugins = [
    "tests.support.facebook",
    "tests.support.instagram",
    "tests.support.x",
    "tests.support.redis_server",
]

REQUIRE_SERVICES = os.environ.get("SWITCHBOARD_REQUIRE_SERVICES") == "1"


def need(condition: bool, what: str) -> None:
    """Skip when a real service is missing locally; on CI (.ci/run) that is a failure."""
    if condition:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required on CI but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True)
def fresh_cache(request):
    """Each database test starts with an empty cache. A test that commits (the browser
    tests' live server) leaves cached folder counts behind, and the database flush after it
    does not empty the cache table; on SQLite the next test's ids start again, so it read
    the last one's counts ("open 2" for its one conversation)."""
    if request.node.get_closest_marker("django_db") is None and not (
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    ):
        return
    from django.core.cache import cache

    try:
        cache.clear()
    except Exception:  # a test that is about the cache being down starts without it
        pass


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


# ---- the agent inbox (issue 5) -------------------------------------------------------------

ARTIFACTS = os.path.join(os.path.dirname(os.path.dirname(__file__)), "test-artifacts")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def testchat_platform():
    """The Testchat platform on local HTTP, and a channel wired to it."""
    from switchboard.standin_server import served
    from tests.support.testchat.platform import TestchatPlatform

    with served(TestchatPlatform()) as platform:
        yield platform


@pytest.fixture
def testchat_channel(db, testchat_platform):
    return factories.make_channel(
        "testchat",
        name="Polaris Testchat",
        api_base_url=testchat_platform.url,
        credentials={"token": "t0ken"},
    )


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    need(os.path.exists(CHROMIUM), "Debian chromium at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in the
    # test body are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    manager = sync_playwright().start()
    browser = manager.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    manager.stop()


@pytest.fixture
def browser_page(chromium, live_server):
    """`browser_page(user)`: a page in a fresh browser context, logged in as `user`;
    `javascript=False` for a browser that runs none (what the no-JS paths must still do).

    Dialogs (alert/confirm) are recorded on `page.dialogs` and accepted, so a test can assert
    that no alert() fired.
    """
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_as(user=None, *, width=1400, height=900, javascript=True):
        context = chromium.new_context(
            viewport={"width": width, "height": height}, java_script_enabled=javascript
        )
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": live_server.url,
                    }
                ]
            )
        page = context.new_page()
        # Generous: on CI's two cores the browser, the live server and the other xdist
        # process share the machine, and a 5 s wait failed there now and then (a failure
        # still fails; it only takes longer to say so).
        page.set_default_timeout(15_000)
        page.dialogs = []

        def on_dialog(dialog):
            page.dialogs.append((dialog.type, dialog.message))
            dialog.accept()

        page.on("dialog", on_dialog)
        return page

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def live_server(live_server, transactional_db):
    """pytest-django's live server, which lets its last requests finish before the test ends.

    A closed browser page's last poll, or a stand-in's last webhook, may still be running in
    the server's threads when the test ends; the database flush that follows would deadlock
    with it on PostgreSQL. Depending on transactional_db makes this wait come before it.
    """
    in_flight = _RequestsInFlight()
    yield live_server
    in_flight.wait_until_idle()
    in_flight.disconnect()


class _RequestsInFlight:
    """Counts requests the live server is handling, through Django's request signals."""

    def __init__(self):
        import threading

        from django.core.signals import request_finished, request_started

        self.count = 0
        self.lock = threading.Lock()
        self.signals = (request_started, request_finished)
        request_started.connect(self._started, weak=False)
        request_finished.connect(self._finished, weak=False)

    def _started(self, **kwargs):
        with self.lock:
            self.count += 1

    def _finished(self, **kwargs):
        with self.lock:
            self.count -= 1

    def wait_until_idle(self, timeout: float = 10) -> None:
        import time

        deadline = time.monotonic() + timeout
        while self.count > 0 and time.monotonic() < deadline:
            time.sleep(0.05)

    def disconnect(self):
        started, finished = self.signals
        started.disconnect(self._started)
        finished.disconnect(self._finished)


@pytest.fixture
def artifact():
    """`artifact(page, name)`: keep a screenshot under test-artifacts/."""
    os.makedirs(ARTIFACTS, exist_ok=True)

    def save(page, name: str) -> str:
        path = os.path.join(ARTIFACTS, f"{name}.png")
        page.screenshot(path=path, full_page=False)
        return path

    return save
