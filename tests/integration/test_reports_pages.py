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
        first_response_at=inbound + timedelta(minutes=minutes))
    return c


@pytest.fixture
def data():
    channel = factories.make_channel(name="Shop <b>page</b>")
    monday = datetime(2026, 3, 2, 10, tzinfo=UTC)
    answered(channel, monday, 10)
    c = answered(channel, monday, 20)
    c.tags.add(Tag.objects.create(name="<script>alert(1)</script>"))
    c.tags.add(Tag.objects.create(name="=HYPERLINK(\"http://evil\")"))
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
    response = client.get(reverse("reports:report"), {"date_from": "2026-03-08",
                                                      "date_to": "2026-03-02"})
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
    assert ("tag", "'=HYPERLINK(\"http://evil\")") in by_key


def test_page_queries_do_not_grow_with_data(client, manager, data, django_assert_num_queries):
    client.force_login(manager)
    client.get(reverse("reports:report"), WEEK)  # warm the session
    # session, user, the report's 10, the per agent and team figures' 2, responsiveness' 2,
    # the channel, tag, team and assignee choices of the filter form
    with django_assert_num_queries(20):
        client.get(reverse("reports:report"), WEEK)
    for n in range(20):
        factories.make_conversation(data, at=datetime(2026, 3, 3, 8, n, tzinfo=UTC))
    with django_assert_num_queries(20):
        client.get(reverse("reports:report"), WEEK)
