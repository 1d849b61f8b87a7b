"""Every button and link a page shows is clicked by some test.

As each role (agent, manager, admin) this visits every page the top nav and the settings
menu reach, plus an open conversation of each kind the seeded inbox has, in a busy seeded
install, and lists every link, button and submit input on each. Each one must be named in
`control_registry.REGISTRY` with the browser test that clicks it, and that test must exist:
a control added without a test fails here, and so does a registry entry whose control has
gone (so the registry stays the truth).
"""

from __future__ import annotations

import ast
import os
import re
from urllib.parse import urlsplit

import pytest

from accounts.models import Team
from api import tokens
from inbox.models import (
    ActionKind,
    ActionState,
    ChannelStatus,
    Conversation,
    ConversationKind,
    EventState,
    InboundEvent,
    OutboundAction,
)
from kb.models import Article
from rules.models import Rule
from tests.browser.control_registry import REGISTRY
from tests.browser.test_screenshots import build_inbox
from tests.support import factories
from tests.support.controls import controls_on, links, nav_links, normal_path, page_key
from webhooks_out.models import Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BROWSER_TESTS = os.path.dirname(__file__)


def seed(anna, boris, maria) -> dict:
    """The README's busy inbox plus one of each thing a manager's pages list."""
    data = build_inbox(anna, boris)
    Rule.objects.create(
        name="Refunds to billing",
        conditions={"type": "text_contains", "value": "refund"},
        actions=[{"type": "add_tag", "value": "Payment"}],
        created_by=maria,
    )
    Subscription.objects.create(url="https://hooks.example.com/in", events=["message.created"])
    Article.objects.create(title="Returns", slug="returns", body="Send it back.", published=True)
    tokens.token_create(user=anna, name="laptop")
    Team.objects.get_or_create(name="Night shift")
    # A reply that failed (the outbox's Retry), events kept for inspection (the Channels
    # page's counts and the kept-events page), and a channel that needs reconnecting.
    OutboundAction.objects.create(
        channel=data["fb"],
        conversation=data["dm"],
        kind=ActionKind.REPLY,
        state=ActionState.FAILED,
        payload={"text": "On its way"},
        reason="Facebook refused it",
    )
    for n, (channel, state) in enumerate(
        [(data["fb"], EventState.FAILED), (data["fb"], EventState.POISONED), (None, "poisoned")]
    ):
        InboundEvent.objects.create(
            channel_kind="facebook",
            channel=channel,
            delivery_key=f"kept{n}",
            payload={"n": n},
            state=state,
            last_error="kept for the audit",
        )
    factories.make_channel("x", name="Polaris support", status=ChannelStatus.NEEDS_RECONNECT)
    return data


# Links the crawl does not follow: downloads, leaving the app (the Django admin, the public
# help pages, a platform's login), and signing out.
NOT_FOLLOWED = re.compile(r"\.csv$|^/admin/|^/help/|/connect/$|^/logout/|^https?:")


def crawl(page, base: str) -> dict[str, set[str]]:
    """{page key: control keys} for the nav's pages, the pages they link to (one address of
    each shape: one rule's editor stands for all, but the outbox's "failed" is not its "held"),
    and one open conversation per kind."""
    page.goto(base + "/")
    to_visit = [(url, 1) for url in dict.fromkeys(nav_links(page))]
    for kind in ConversationKind.values:
        conversation = Conversation.objects.filter(kind=kind).order_by("pk").first()
        if conversation is not None:
            to_visit.append((f"{base}/c/{conversation.pk}/", 0))  # each kind, not followed
    found: dict[str, set[str]] = {}
    seen: set[str] = set()
    shapes: set[str] = set()
    while to_visit:
        url, depth = to_visit.pop(0)
        shape = normal_path(url.removeprefix(base), "/")
        if url in seen or (depth == 2 and shape in shapes):
            continue
        seen.add(url)
        shapes.add(shape)
        page.goto(url)
        page.wait_for_load_state("load")
        found.setdefault(page_key(page.url.removeprefix(base)), set()).update(controls_on(page))
        if depth == 1:
            nav = set(nav_links(page))
            for link in links(page):
                path = link.removeprefix(base)
                if link.startswith(base) and not NOT_FOLLOWED.search(urlsplit(path).path):
                    to_visit.append((link, 1 if link in nav else 2))
    return found


def names_a_test(node_id: str) -> bool:
    path, _, name = node_id.partition("::")
    file = os.path.join(os.path.dirname(os.path.dirname(BROWSER_TESTS)), path)
    if not os.path.exists(file):
        return False
    with open(file) as f:
        tree = ast.parse(f.read())
    return any(isinstance(n, ast.FunctionDef) and n.name == name for n in tree.body)


@pytest.mark.skip(
    reason="work in progress: control_registry.REGISTRY is not filled in yet (run with "
    "SWITCHBOARD_CONTROLS_DUMP=/tmp/controls.tsv to list the ~200 controls found)"
)
def test_every_control_is_exercised_by_a_browser_test(
    browser_page, live_server, agent, agent2, manager, admin_user
):
    seed(agent, agent2, manager)
    shown: dict[str, set[str]] = {}
    for user in (agent, manager, admin_user):
        page = browser_page(user)
        for where, keys in crawl(page, live_server.url).items():
            for key in keys:
                shown.setdefault(key, set()).add(f"{user.role} {where}")
        page.context.close()
    dump = os.environ.get("SWITCHBOARD_CONTROLS_DUMP")
    if dump:
        with open(dump, "w") as f:
            for key in sorted(shown):
                f.write(f"{key}\t{', '.join(sorted(shown[key]))}\n")

    untested = sorted(k for k in shown if k not in REGISTRY)
    assert not untested, (
        "controls no browser test clicks (add one to control_registry):\n"
        + "\n".join(f"  {k}   (seen as {', '.join(sorted(shown[k]))})" for k in untested)
    )
    gone = sorted(k for k in REGISTRY if k not in shown)
    assert not gone, "registry entries no page shows any more:\n" + "\n".join(gone)
    missing = sorted({t for t in REGISTRY.values() if not names_a_test(t)})
    assert not missing, "the registry names tests that do not exist:\n" + "\n".join(missing)
