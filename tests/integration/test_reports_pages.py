"""The reports page and its CSV export, as a manager sees them."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Tag
from tests.support import factories

pytestmark = pytest.mark.django_db
WEEK = {"date_from": "2026-03-02", "date_to": "2026-03-08"}


def answered(channel, inbound, minutes, **fields):
    c = factories.make_conversation(channel, at=inbound, **fields)
    Conversation.objects.filter(pk=c.pk).update(
        first_response_at=inbound + timedelta(minutes=minutes)
    )
    return c


@pytest.fixture
def data():
    channel = factories.make_channel(name="Shop <b>page</b>")
    monday = datetime(2026, 3, 2, 10, tzinfo=UTC)
    answered(channel, monday, 10)
    c = answered(channel, monday, 20)
    c.tags.add(Tag.objects.create(name="<script>alert(1)</script>"))
    c.tags.add(Tag.objects.create(name='=HYPERLINK("http://evil")'))
    factories.make_conversation(channel, at=monday + timedelta(days=1))  # unanswered
    return channel


def test_agents_are_refused_and_visitors_sent_to_log_in(client, agent_client):
    assert agent_client.get(reverse("reports:report")).status_code == 403
    assert agent_client.get(reverse("reports:csv")).status_code == 403
    client.logout()
    response = client.get(reverse("reports:report"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_manager_sees_the_figures_escaped(client, manager, data):
    client.force_login(manager)
    page = client.get(reverse("reports:report"), WEEK).content.decode()
    assert 'id="fig-conversations">3<' in page
    assert 'id="fig-response-rate">67 %<' in page
    assert 'id="fig-frt-median">15 min<' in page
    assert 'id="fig-frt-p90">19 min<' in page  # 10 + 0.9 · 10
    assert "Shop &lt;b&gt;page&lt;/b&gt;" in page and "<b>page</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "reports/reports.css" in page


def test_default_range_is_the_last_seven_days(client, manager):
    client.force_login(manager)
    channel = factories.make_channel()
    factories.make_conversation(channel, at=timezone.now() - timedelta(days=2))
    factories.make_conversation(channel, at=timezone.now() - timedelta(days=8))
    page = client.get(reverse("reports:report")).content.decode()
    assert 'id="fig-conversations">1<' in page
    assert page.count('<tr><th scope="row">') >= 7  # a by-day row for each of the 7 days


def test_a_backwards_range_is_refused(client, manager):
    client.force_login(manager)
    response = client.get(
        reverse("reports:report"), {"date_from": "2026-03-08", "date_to": "2026-03-02"}
    )
    assert response.status_code == 400
    assert "ends before it starts" in response.content.decode()


def test_csv_has_the_same_figures_and_no_formulas(client, manager, data):
    client.force_login(manager)
    response = client.get(reverse("reports:csv"), {**WEEK, "channel": data.pk})
    assert response["Content-Type"].startswith("text/csv")
    assert "switchboard-report-2026-03-02-2026-03-08.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "key", "conversations", "answered", "value"]
    by_key = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_key[("range", "channel")] == ["", "", "Shop <b>page</b>"]
    assert by_key[("summary", "conversations")] == ["3", "2", "0.6667"]
    assert by_key[("first_response_seconds", "median")] == ["", "", "900"]
    assert by_key[("first_response_seconds", "p90")] == ["", "", "1140"]
    assert by_key[("day", "2026-03-03")] == ["1", "0", "0.0000"]
    assert ("tag", '\'=HYPERLINK("http://evil")') in by_key


def test_page_queries_do_not_grow_with_data(client, manager, data, django_assert_num_queries):
    client.force_login(manager)
    client.get(reverse("reports:report"), WEEK)  # warm the session
    # session, user, the report's 10 (which days are rolled up: none, so the week's
    # conversations, tags, messages, events, policies, business hours, holidays, then the
    # channel and tag names), responsiveness' 2, storms 1, the channel, tag, team and
    # assignee choices of the filter form (no agent replied: no names to look up)
    with django_assert_num_queries(19):
        client.get(reverse("reports:report"), WEEK)
    for n in range(20):
        factories.make_conversation(data, at=datetime(2026, 3, 3, 8, n, tzinfo=UTC))
    with django_assert_num_queries(19):
        client.get(reverse("reports:report"), WEEK)


CHART_IDS = (
    "chart-volume",
    "chart-first-response",
    "chart-sla",
    "chart-response-rate",
    "chart-busiest-hours",
)


def test_each_chart_is_drawn_with_its_table_and_csv(client, manager, data):
    client.force_login(manager)
    page = client.get(reverse("reports:report"), WEEK).content.decode()
    for chart_id in CHART_IDS:
        assert f'<svg class="chart" id="{chart_id}"' in page
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in page
    assert page.count('<details class="chart-data">') == len(CHART_IDS)
    assert "<script" not in page.split("<main", 1)[1]  # nothing for the CSP to refuse
    assert "Shop &lt;b&gt;page&lt;/b&gt; (testchat)" in page  # legend and table, escaped
    for slug in (
        "volume",
        "first-response-trend",
        "sla-trend",
        "response-rate-trend",
        "busiest-hours",
        "agents",
        "teams",
    ):
        assert reverse("reports:table_csv", args=[slug]) in page


def test_chart_csv_has_the_charts_numbers(client, manager, data):
    client.force_login(manager)
    response = client.get(reverse("reports:table_csv", args=["volume"]), WEEK)
    assert "switchboard-volume-2026-03-02-2026-03-08.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Period", "Shop <b>page</b> (testchat)", "Total"]
    assert rows[1:3] == [["02 Mar", "2", "2"], ["03 Mar", "1", "1"]]
    trend = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("reports:table_csv", args=["first-response-trend"]), WEEK
                ).content.decode()
            )
        )
    )
    assert trend[1] == ["2026-03-02", "900", "1140", "2"]  # seconds: median 15 min, p90 19
    assert client.get(reverse("reports:table_csv", args=["nothing"]), WEEK).status_code == 404
    client.logout()
    assert client.get(reverse("reports:table_csv", args=["volume"])).status_code == 302


def test_tag_filter_narrows_the_report(client, manager, data):
    client.force_login(manager)
    tag = Tag.objects.get(name="<script>alert(1)</script>")
    page = client.get(reverse("reports:report"), {**WEEK, "tag": tag.pk}).content.decode()
    assert 'id="fig-conversations">1<' in page


def test_leaderboard_and_badge_on_the_page(client, manager, agent, data):
    from inbox.models import Direction, Message

    client.force_login(manager)
    for c in Conversation.objects.all():
        Message.objects.create(
            conversation=c,
            channel=c.channel,
            direction=Direction.OUTBOUND,
            author_agent=agent,
            text="On it",
            platform_timestamp=c.first_inbound_at + timedelta(minutes=5),
            state_timestamp=c.first_inbound_at,
        )
    page_channel = factories.make_channel("facebook", name="Polaris Page")
    now = timezone.now()
    for n in range(10):  # 8 of 10 messages in time: 80 %
        c = factories.make_conversation(page_channel, kind="dm", at=now - timedelta(hours=n + 1))
        late = n >= 8
        Message.objects.create(
            conversation=c,
            channel=page_channel,
            direction=Direction.OUTBOUND,
            text="Hi",
            platform_timestamp=c.first_inbound_at + timedelta(minutes=40 if late else 3),
            state_timestamp=now,
        )
    page = client.get(reverse("reports:report"), {**WEEK, "sort": "-replies"}).content.decode()
    assert 'id="agents"' in page and agent.display_name in page
    assert 'aria-sort="ascending"' in page  # replies reversed: fewest first
    assert f'id="badge-{page_channel.pk}"' in page
    assert "You are at 80 % — 10 more answered in time keep the very responsive badge." in page
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("reports:table_csv", args=["responsiveness"]), WEEK
                ).content.decode()
            )
        )
    )
    assert rows[1] == [
        "Polaris Page",
        "Very responsive badge",
        "900",
        "8",
        "10",
        "0.8000",
        "180",
        "no",
        "10",
    ]


def test_a_storm_shows_on_the_posts_view_and_the_report(client, manager, data):
    from reports.storms import detect

    client.force_login(manager)
    now = timezone.now()
    for n in range(40):
        c = factories.make_conversation(
            data,
            at=now - timedelta(seconds=10 * n),
            context_external_id="post-sale",
            intent="complaint",
        )
        c.messages.update(platform_timestamp=now - timedelta(seconds=10 * n))
    factories.make_conversation(data, at=now, context_external_id="post-calm")
    assert len(detect(now + timedelta(seconds=1))) == 1
    posts = client.get(reverse("inbox:posts")).content.decode()
    assert posts.count('class="storm-flag"') == 1
    storming = posts.split('class="post-group storming"', 1)[1].split("</li>", 1)[0]
    assert f"?post={data.pk}%3Apost-sale" in storming
    page = client.get(reverse("reports:report")).content.decode()
    assert "40 comments in 10 minutes" in page and "ongoing" in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("reports:table_csv", args=["storms"])).content.decode())
        )
    )
    assert rows[1][2:4] == ["post-sale", "40 comments in 10 minutes (usually 0.0)"]
