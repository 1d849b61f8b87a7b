"""The reports as a manager sees them in chromium, over a seeded quarter of traffic.

Each chart must be drawn: an SVG with a title, a description and marks that take up room.
Saves docs/reports.png for the README when SWITCHBOARD_README_SCREENSHOTS=1; every run keeps
a copy under test-artifacts/.
"""

from __future__ import annotations

import os
import random
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from accounts.models import Team
from inbox.models import AuditEvent, Conversation, Direction, Message
from rules.models import SlaPolicy
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "docs")
WRITE_DOCS = os.environ.get("SWITCHBOARD_README_SCREENSHOTS") == "1"
DAYS = 91
# How busy each hour of the day is, roughly: quiet nights, a lunch peak, an evening peak.
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 11, 12, 12, 10, 9, 8, 8, 9, 11, 12, 10, 7, 4, 2]
CHARTS = {
    "chart-volume": "rect.chart-bar",
    "chart-first-response": "polyline.line",
    "chart-sla": "polyline.line",
    "chart-response-rate": "polyline.line",
    "chart-busiest-hours": "rect.cell",
}


def seed_quarter(agents, teams) -> tuple:
    """About 2,000 conversations over 91 days on three channels, most answered by an agent.

    The agents differ on every leaderboard column, so a sort by any of them shows an order
    (not ties broken by name): the later in `agents`, the smaller the share of the traffic
    (4:3:2:1 for four; with equal shares two agents' counts tied on some runs, as the last
    day's traffic depends on the time of day), the slower the first answer, the more often
    the customer writes again (answered slower still) and the more often a closed
    conversation is reopened."""
    rng = random.Random(15)
    extra = random.Random(16)  # the follow-ups and reopenings, apart from the base traffic
    channels = [
        factories.make_channel("facebook", name="Polaris Outdoor"),
        factories.make_channel("instagram", name="polaris.outdoor"),
        factories.make_channel("x", name="@polarisoutdoor"),
    ]
    SlaPolicy.objects.create(name="First contact", first_response_minutes=120)
    today = timezone.localdate()
    first_day = today - timedelta(days=DAYS - 1)
    conversations, answers = [], []
    for d in range(DAYS):
        day = first_day + timedelta(days=d)
        busy = 14 + 8 * (day.weekday() < 5) + d // 10
        for n in range(busy):
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            inbound = timezone.make_aware(datetime.combine(day, time(hour, rng.randrange(60))))
            if inbound > timezone.now():
                continue
            agent = rng.choices(agents, weights=range(len(agents), 0, -1))[0]
            waited = timedelta(minutes=rng.lognormvariate(3.3 - d / 120, 1.0))
            waited *= 1 + 0.4 * agents.index(agent)
            answered = rng.random() < 0.9 and inbound + waited < timezone.now()
            channel = rng.choices(channels, weights=[5, 3, 2])[0]
            conversations.append(
                Conversation(
                    channel=channel,
                    kind=rng.choice(["dm", "comment", "dm", "mention"]),
                    external_thread_id=f"q{d}-{n}",
                    first_inbound_at=inbound,
                    last_inbound_at=inbound,
                    last_message_at=inbound,
                    first_response_at=inbound + waited if answered else None,
                    team=rng.choice(teams),
                    state="closed" if answered else "open",
                )
            )
            answers.append((inbound, waited if answered else None, agent))
    made = Conversation.objects.bulk_create(conversations, batch_size=500)
    messages, events = [], []
    for conversation, (inbound, waited, agent) in zip(made, answers, strict=True):
        rank = agents.index(agent)
        messages.append(
            Message(
                conversation=conversation,
                channel=conversation.channel,
                direction=Direction.INBOUND,
                text="Where is my order?",
                platform_timestamp=inbound,
                state_timestamp=inbound,
            )
        )
        if waited is not None:
            messages.append(
                Message(
                    conversation=conversation,
                    channel=conversation.channel,
                    direction=Direction.OUTBOUND,
                    author_agent=agent,
                    text="Let me check.",
                    platform_timestamp=inbound + waited,
                    state_timestamp=inbound + waited,
                )
            )
            events.append(
                AuditEvent(
                    conversation=conversation,
                    actor=agent,
                    verb="closed",
                    created_at=inbound + waited + timedelta(minutes=1),
                )
            )
            closed = inbound + waited + timedelta(minutes=1)
            again = closed + timedelta(hours=2)
            next_wait = timedelta(minutes=10 * (1 + rank))
            if extra.random() < 0.1 * (1 + rank) and again + next_wait < timezone.now():
                # The customer writes again; that reopens it, and the agent answers and closes.
                messages += [
                    Message(
                        conversation=conversation,
                        channel=conversation.channel,
                        direction=direction,
                        author_agent=author,
                        text=text,
                        platform_timestamp=at,
                        state_timestamp=at,
                    )
                    for direction, author, text, at in (
                        (Direction.INBOUND, None, "Still nothing.", again),
                        (Direction.OUTBOUND, agent, "Sorry, sent today.", again + next_wait),
                    )
                ]
                events += [
                    AuditEvent(conversation=conversation, verb="reopened", created_at=again),
                    AuditEvent(
                        conversation=conversation,
                        actor=agent,
                        verb="closed",
                        created_at=again + next_wait + timedelta(minutes=1),
                    ),
                ]
    Message.objects.bulk_create(messages, batch_size=1000)
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    return first_day, today, len(made)


def test_reports_draw_every_chart(browser_page, live_server, manager, artifact):
    agents = [
        factories.make_user(name.lower(), first_name=name)
        for name in ("Anna", "Boris", "Jack", "Mei")
    ]
    teams = [Team.objects.create(name="Social care"), Team.objects.create(name="Billing")]
    first_day, last_day, count = seed_quarter(agents, teams)
    page = browser_page(manager, width=1400, height=900)
    page.set_default_timeout(30_000)  # a quarter's report, on a shared and busy machine
    page.goto(f"{live_server.url}/reports/?date_from={first_day}&date_to={last_day}")
    assert page.locator("#fig-conversations").inner_text() == str(count)
    for chart_id, mark in CHARTS.items():
        chart = page.locator(f"svg#{chart_id}")
        chart.scroll_into_view_if_needed()
        box = chart.bounding_box()
        assert box and box["width"] > 300 and box["height"] > 100, chart_id
        assert chart.locator("title").first.text_content().strip(), chart_id
        assert page.get_by_role("img", name=chart.locator("title").first.text_content())
        marks = chart.locator(mark)
        assert marks.count() > 0, f"{chart_id} has no {mark}"
        assert marks.first.bounding_box()["height"] > 0, chart_id
    # The first response chart has its SLA target, the volume chart a legend per channel.
    assert page.locator("svg#chart-first-response line.target").count() == 1
    volume = page.locator("svg#chart-volume").inner_html()
    assert all(name in volume for name in ("Polaris Outdoor", "polaris.outdoor", "@polarisoutdoor"))
    # A table behind each chart, opened by its summary.
    page.locator("#volume summary").click()
    assert page.locator("#volume-table tbody tr").count() == DAYS
    # The leaderboard sorts.
    page.locator("#agents thead a", has_text="Closed").click()
    page.wait_for_url("**sort=closed**")
    assert page.locator("#agents th[aria-sort]").inner_text().startswith("Closed")
    closed = [int(t) for t in page.locator("#agents tbody td:nth-child(6)").all_inner_texts()]
    assert len(closed) == len(agents) and closed == sorted(closed, reverse=True)
    badges = page.locator(".badge-card")
    assert badges.count() == 3
    page.goto(f"{live_server.url}/reports/?date_from={first_day}&date_to={last_day}")
    path = artifact(page, "reports")
    page.screenshot(path=path.replace(".png", "-full.png"), full_page=True)
    if WRITE_DOCS:
        page.set_viewport_size({"width": 1400, "height": 1500})
        page.screenshot(path=os.path.join(DOCS, "reports.png"), full_page=False)
    assert os.path.getsize(path) > 10_000
