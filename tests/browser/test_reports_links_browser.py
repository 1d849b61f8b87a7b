"""The reports page as a manager uses it in chromium: every CSV link downloads the table shown,
the filters redraw the charts, and the leaderboard sorts by the heading clicked.

Over a seeded quarter (tests/browser/test_reports_browser.py's), its past days rolled up as
the worker keeps them (reports.rollups), today read live.
"""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Team
from inbox.models import Conversation, Tag
from reports.models import Storm
from reports.templatetags.report_format import duration, percent
from tests.browser.test_reports_browser import seed_quarter
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quarter(manager):
    agents = [
        factories.make_user(name.lower(), first_name=name)
        for name in ("Anna", "Boris", "Jack", "Mei")
    ]
    teams = [Team.objects.create(name="Social care"), Team.objects.create(name="Billing")]
    first_day, last_day, count = seed_quarter(agents, teams)
    # Some conversations carry a tag (a third of them two) and an assignee, for those filters.
    refund, damaged = Tag.objects.create(name="Refund"), Tag.objects.create(name="Damaged")
    for n, c in enumerate(Conversation.objects.order_by("id")[:300]):
        c.tags.add(refund, *([damaged] if n % 3 == 0 else []))
        if n % 2:
            Conversation.objects.filter(pk=c.pk).update(assignee=agents[0])
    channel = Conversation.objects.first().channel
    Storm.objects.create(
        channel=channel,
        context_external_id="post-1",
        reason="40 comments in 10 minutes (usually 0.5)",
        started_at=timezone.now() - timedelta(hours=3),
        last_seen_at=timezone.now() - timedelta(hours=2),
        ended_at=timezone.now() - timedelta(hours=1),
        peak_comments=40,
        usual_comments=0.5,
    )
    call_command("rebuild_report_rollups", verbosity=0)
    return {
        "url": f"/reports/?date_from={first_day}&date_to={last_day}",
        "count": count,
        "agents": agents,
        "teams": teams,
        "refund": refund,
        "first_day": first_day,
        "last_day": last_day,
    }


def _shown(exported: str, cell: str) -> bool:
    """Whether the page's cell shows the CSV's value: the same text, or the CSV's seconds
    as a duration, its fraction as a percentage, its empty cell as a dash."""
    if exported == cell:
        return True
    if exported == "":
        return cell == "—"
    try:
        number = float(exported)
    except ValueError:
        return exported.lstrip("'") == cell
    if "." in exported and cell == percent(number):
        return True
    return cell == duration(timedelta(seconds=number))


def _table(page, selector: str) -> list[list[str]]:
    rows = []
    for row in page.locator(f"{selector} tbody tr").all():
        # text_content: a chart's table is behind a closed <details>, not rendered
        rows.append([c.strip() for c in row.locator("th, td").all_text_contents()])
    return rows


def _download(page, link) -> list[list[str]]:
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8") as f:
        return list(csv.reader(f))


def _assert_same(exported: list[list[str]], shown: list[list[str]], what: str) -> None:
    assert len(exported) == len(shown), what
    for got, row in zip(exported, shown, strict=True):
        assert len(got) == len(row), (what, got, row)
        assert all(_shown(e, c) for e, c in zip(got, row, strict=True)), (what, got, row)


def test_every_csv_link_returns_the_table_shown(browser_page, live_server, manager, quarter):
    page = browser_page(manager, width=1400, height=900)
    page.set_default_timeout(30_000)
    page.goto(live_server.url + quarter["url"])
    links = page.locator("a", has_text="CSV")
    hrefs = [links.nth(n).get_attribute("href") for n in range(links.count())]
    assert len(hrefs) == 10  # the report, 5 charts, 2 leaderboards, responsiveness, storms
    checked = set()
    for n, href in enumerate(hrefs):
        link = page.locator("a", has_text="CSV").nth(n)
        exported = _download(page, link)
        if href.startswith("/reports/export.csv"):
            # The whole report: its summary and by-channel rows are the cards and the table.
            summary = next(r for r in exported if r[:2] == ["summary", "conversations"])
            assert summary[2] == page.locator("#fig-conversations").inner_text()
            # (a name a spreadsheet would run as a formula is quoted)
            by_channel = [[r[1].removeprefix("'"), *r[2:4]] for r in exported if r[0] == "channel"]
            shown = [r[:3] for r in _table(page, "#by-channel")]
            assert by_channel == shown
            checked.add("report")
            continue
        slug = href.split("?")[0].rstrip("/").split("/")[-1].removesuffix(".csv")
        checked.add(slug)
        if slug in ("agents", "teams"):
            header = page.locator(f"#{slug} thead th").all_inner_texts()
            assert exported[0] == [h.strip() for h in header]
            _assert_same(exported[1:], _table(page, f"#{slug}"), slug)
        elif slug == "storms":
            shown = _table(page, "#storms")
            assert [[r[1], r[2], r[3]] for r in exported[1:]] == [r[1:4] for r in shown]
        elif slug == "responsiveness":  # a row per badge: the channel and what it aims at
            shown = [t.strip() for t in page.locator(".badge-card h3").all_inner_texts()]
            exported_names = [r[0].removeprefix("'") + " " + r[1] for r in exported[1:]]
            assert exported_names == shown
        else:  # a chart: its data table behind it
            header = page.locator(f"#{slug}-table thead th").all_text_contents()
            assert [h.removeprefix("'") for h in exported[0]] == [h.strip() for h in header]
            _assert_same(exported[1:], _table(page, f"#{slug}-table"), slug)
    assert checked == {
        "report",
        "volume",
        "first-response-trend",
        "sla-trend",
        "response-rate-trend",
        "busiest-hours",
        "agents",
        "teams",
        "responsiveness",
        "storms",
    }


def _charts(page) -> dict[str, str]:
    return {
        chart: page.locator(f"svg#{chart}").inner_html()
        for chart in ("chart-volume", "chart-first-response", "chart-busiest-hours")
    }


def _apply(page, **choices) -> None:
    form = page.locator("form.report-filters")
    for name, value in choices.items():
        field = form.locator(f"[name={name}]")
        if name.startswith("date"):
            field.fill(value)
        else:
            field.select_option(label=value)
    with page.expect_navigation():
        form.get_by_role("button", name="Show").click()


def test_the_filters_change_the_charts(browser_page, live_server, manager, quarter):
    page = browser_page(manager, width=1400, height=900)
    page.set_default_timeout(30_000)
    page.goto(live_server.url + quarter["url"])
    everything = _charts(page)
    total = int(page.locator("#fig-conversations").inner_text())
    assert total == quarter["count"]

    _apply(page, channel="polaris.outdoor (instagram)")
    volume = page.locator("svg#chart-volume").inner_html()
    assert "polaris.outdoor" in volume and "@polarisoutdoor" not in volume
    by_channel = int(page.locator("#fig-conversations").inner_text())
    assert 0 < by_channel < total
    assert _charts(page) != everything

    _apply(page, channel="All channels", tag="Refund")
    assert int(page.locator("#fig-conversations").inner_text()) == 300
    # The by-tag table: the refund conversations' tags, the other one too.
    by_tag = page.locator("#by-tag tbody tr")
    assert by_tag.locator("th").all_inner_texts() == ["Refund", "Damaged"]
    assert by_tag.locator("td:nth-child(2)").all_inner_texts() == ["300", "100"]
    assert _charts(page)["chart-busiest-hours"] != everything["chart-busiest-hours"]

    _apply(page, tag="All tags", team="Billing")
    billing = Conversation.objects.filter(team=quarter["teams"][1], is_spam=False).count()
    assert int(page.locator("#fig-conversations").inner_text()) == billing
    assert _charts(page)["chart-volume"] != everything["chart-volume"]

    _apply(page, team="All teams", agent="Anna")
    assert int(page.locator("#fig-conversations").inner_text()) == 150
    assert page.locator("#agents tbody tr").count() >= 1

    week_start = (quarter["last_day"] - timedelta(days=6)).isoformat()
    _apply(page, agent="All agents", date_from=week_start)
    page.locator("#volume summary").click()
    assert page.locator("#volume-table tbody tr").count() == 7
    assert _charts(page)["chart-first-response"] != everything["chart-first-response"]


def test_the_leaderboard_sorts_by_the_heading_clicked(browser_page, live_server, manager, quarter):
    page = browser_page(manager, width=1400, height=900)
    page.set_default_timeout(30_000)
    page.goto(live_server.url + quarter["url"])

    def column(n: int) -> list[str]:
        return page.locator(f"#agents tbody td:nth-child({n})").all_inner_texts()

    # Sorted by replies, most first, until a heading is clicked.
    replies = [int(t) for t in column(3)]
    assert replies == sorted(replies, reverse=True) and len(replies) == 4
    page.locator("#agents thead a", has_text="Replies").click()  # again: reversed
    page.wait_for_url("**sort=-replies**")
    assert [int(t) for t in column(3)] == sorted(replies)
    page.locator("#agents thead a", has_text="Closed").click()
    page.wait_for_url("**sort=closed**")
    closed = [int(t) for t in column(6)]
    assert closed == sorted(closed, reverse=True)
    page.locator("#agents thead a", has_text="Name").click()
    page.wait_for_url("**sort=name**")
    names = page.locator("#agents tbody th").all_inner_texts()
    assert names == ["Anna", "Boris", "Jack", "Mei"]
    assert page.locator("#agents th[aria-sort]").inner_text().startswith("Name")
