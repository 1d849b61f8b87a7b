"""The control audit: every link and button a page shows is clicked by some test.

The crawl (tests/support/controls.py) lists what agent, manager and admin are shown; the
registry (tests/browser/controls/) names, for each control, the tests that click it. The
check fails on a control no registry names, on a registry entry naming a test that does not
exist, on an entry for a control no page shows any more, and on a menu page nobody visited.
"""

from __future__ import annotations

import importlib
import re
import warnings

import pytest

from tests.browser.controls import AREAS
from tests.support import controls

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Areas whose registry is not complete yet: a control they miss is a warning, not a failure.
# Empty when every area is done; an area listed here is named in every run's warnings.
AREAS_TODO: set[str] = set()


def test_exists(node_id: str) -> bool:
    """Whether `path/to/test_x.py::test_name[params]` names a test function in that module."""
    path, _, name = node_id.partition("::")
    if not (path.startswith("tests/") and path.endswith(".py") and name):
        return False
    module = importlib.import_module(path[: -len(".py")].replace("/", "."))
    target = module
    for part in re.sub(r"\[.*\]$", "", name).split("::"):
        target = getattr(target, part, None)
        if target is None:
            return False
    return callable(target) and target.__name__.startswith("test_")


test_exists.__test__ = False  # a helper, not a test


def registry() -> dict[str, list[str]]:
    entries: dict[str, list[str]] = {}
    for area in AREAS:
        for key in area.CONTROLS:
            assert key not in entries, f"{key} is registered twice"
        entries.update(area.CONTROLS)
    return entries


def area_of(key: str) -> str | None:
    page = key.split(" | ")[0]
    for area in AREAS:
        if page in area.PAGES:
            return area.__name__.rsplit(".", 1)[-1]
    return None


def test_every_registry_entry_names_tests_that_exist():
    bad = [
        f"{key}: {node or '(no test named)'}"
        for key, nodes in registry().items()
        for node in nodes or [""]
        if not node or not test_exists(node)
    ]
    assert not bad, "registry entries naming no existing test:\n" + "\n".join(bad)


def test_every_shown_control_is_clicked_by_some_test(
    browser_page, live_server, agent, manager, admin_user, monkeypatch, settings, graph_standin
):
    # Pages of a few rows, so the seeded lists have a next page: "Load more", "Older".
    monkeypatch.setattr("inbox.selectors.PAGE_SIZE", 4)
    monkeypatch.setattr("inbox.kept.PAGE_SIZE", 1)
    monkeypatch.setattr("audit.views.PAGE_SIZE", 1)
    # Facebook Login is the Graph stand-in's, which lets the admin through to choose Pages.
    settings.META_GRAPH_BASE = graph_standin.url
    settings.META_OAUTH_DIALOG_URL = f"{graph_standin.url}/dialog/oauth"
    seeded = controls.seed(agent=agent, manager=manager, admin=admin_user)
    users = {"agent": agent, "manager": manager, "admin": admin_user}
    crawl = controls.crawl(browser_page, live_server.url, users, seeded)
    shown, entries = crawl.keys(), registry()

    problems = [f"menu page never visited: {p}" for p in sorted(crawl.unvisited_menu_pages)]
    problems += [f"page of no area: {k}" for k in sorted(shown) if area_of(k) is None]
    todo = []
    for key in sorted(shown - set(entries)):
        where = ", ".join(sorted(crawl.controls[key])[:3])
        line = f"no test clicks {key!r} (shown on {where})"
        (todo if area_of(key) in AREAS_TODO else problems).append(line)
    problems += [f"registered but shown nowhere: {k}" for k in sorted(set(entries) - shown)]
    if todo or AREAS_TODO:
        warnings.warn(
            f"control audit: areas still to do {sorted(AREAS_TODO)}; unregistered there:\n"
            + "\n".join(todo),
            stacklevel=1,
        )
    assert not problems, f"{len(problems)} control audit problems:\n" + "\n".join(problems)
