"""The leaderboard headings the report's other tests do not click (the control audit,
tests/browser/test_every_control.py, names this test for them)."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_reports_links_browser import quarter  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNITS = {"d": 86400, "h": 3600, "min": 60, "s": 1}


def seconds(text: str) -> float:
    """ "1 h 05 min" → 3900; a dash (no figure) sorts last."""
    if text.strip() == "—":
        return float("inf")
    return sum(int(n) * UNITS[unit] for n, unit in re.findall(r"(\d+) (d|h|min|s)\b", text))


# heading: (sort key, its column, how to read a cell, best first is largest)
HEADINGS = {
    "Conversations handled": ("conversations", 2, int, True),
    "First response (median)": ("first_median", 4, seconds, False),
    "Next response (median)": ("next_median", 5, seconds, False),
    "Reopened after close": ("reopened", 7, int, False),
}


def test_the_other_leaderboard_headings_sort_by_their_column(
    browser_page,
    live_server,
    manager,
    quarter,  # noqa: F811 - the fixture imported above
):
    page = browser_page(manager, width=1400, height=900)
    page.set_default_timeout(30_000)
    page.goto(live_server.url + quarter["url"])
    for heading, (key, column, read, largest_first) in HEADINGS.items():
        page.locator("#agents thead a", has_text=heading).click()
        page.wait_for_url(f"**sort={key}**")
        cells = page.locator(f"#agents tbody td:nth-child({column})").all_inner_texts()
        values = [read(c) for c in cells]
        assert len(values) == 4, heading
        assert len(set(values)) == 4, (heading, cells)  # no ties: the order is the column's
        assert values == sorted(values, reverse=largest_first), (heading, cells)
        assert page.locator("#agents th[aria-sort]").inner_text() == heading
    # The quarter's agents differ on every column (seed_quarter), so each sort above showed
    # an order; a second click on a heading reverses it.
    page.locator("#agents thead a", has_text="Conversations handled").click()
    page.wait_for_url("**sort=conversations**")
    page.locator("#agents thead a", has_text="Conversations handled").click()
    page.wait_for_url("**sort=-conversations**")
    cells = [int(c) for c in page.locator("#agents tbody td:nth-child(2)").all_inner_texts()]
    assert cells == sorted(cells) and len(set(cells)) == 4
