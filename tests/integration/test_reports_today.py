"""The page over today and yesterday as the worker keeps them (yesterday whole, today's closed
hours, the current hour live) shows what the raw rows give, with the same queries."""

import os
from datetime import timedelta

import pytest
import redis
from django.urls import reverse
from django.utils import timezone

from inbox import conversations as ops
from inbox.models import Conversation, Direction, Message, Tag
from reports.models import ReportRollup, RollupDay
from reports.rollups import refresh
from reports.tasks import refresh_rollups
from rules.models import SlaPolicy
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events
from tests.support.worker import queueing_for_real

pytestmark = pytest.mark.django_db
SLUGS = ("volume", "first-response-trend", "sla-trend", "agents", "teams")


def answered(channel, inbound, minutes, agent, *, tags=()):
    c = factories.make_conversation(channel, at=inbound)
    reply = inbound + timedelta(minutes=minutes)
    Message.objects.create(
        conversation=c,
        channel=channel,
        direction=Direction.OUTBOUND,
        author_agent=agent,
        text="On it",
        platform_timestamp=reply,
        state_timestamp=reply,
    )
    Conversation.objects.filter(pk=c.pk).update(first_response_at=reply)
    c.tags.add(*tags)
    return c


@pytest.fixture
def day(agent):
    """Conversations yesterday evening, in the last hours and in the current one."""
    SlaPolicy.objects.create(name="All", first_response_minutes=20)
    channel = factories.make_channel(name="Shop page")
    payment, urgent = Tag.objects.create(name="Payment"), Tag.objects.create(name="Urgent")
    now = timezone.localtime()
    hour = now.replace(minute=0, second=0, microsecond=0)
    midnight = hour.replace(hour=0)
    c = answered(channel, midnight - timedelta(minutes=10), 30, agent, tags=[payment])
    ops.conversation_close(conversation=c, actor=agent)
    for n, back in enumerate((3, 2, 1)):  # hours ago, today's or yesterday's
        answered(channel, hour - timedelta(hours=back, minutes=-5 * n), 5 + 10 * n, agent)
    answered(channel, hour - timedelta(minutes=2), 90, agent, tags=[payment, urgent])
    factories.make_conversation(channel, at=hour - timedelta(minutes=50)).tags.add(urgent)
    factories.make_conversation(channel, at=max(hour, now - timedelta(seconds=30)))
    return {"agent": agent, "channel": channel, "urgent": urgent}


def tables(client, query) -> list[bytes]:
    found = [client.get(reverse("reports:csv"), query).content]
    for slug in SLUGS:
        found.append(client.get(reverse("reports:table_csv", args=[slug]), query).content)
    return found


def queries(day) -> list[dict]:
    today = timezone.localdate()
    week = {"date_from": (today - timedelta(days=6)).isoformat(), "date_to": today.isoformat()}
    return [
        week,
        {"date_from": today.isoformat(), "date_to": today.isoformat()},
        {**week, "tag": day["urgent"].pk},
        {**week, "agent": day["agent"].pk},
        {**week, "channel": day["channel"].pk},
    ]


def test_the_page_shows_the_raw_rows_figures(client, manager, day):
    client.force_login(manager)
    live = [tables(client, q) for q in queries(day)]
    refresh()
    assert RollupDay.objects.filter(hour=None).exists()
    assert RollupDay.objects.exclude(hour=None).exists() or timezone.localtime().hour == 0
    assert [tables(client, q) for q in queries(day)] == live
    # Under the tag filter, the by-tag table has every tag of the urgent ones.
    page = client.get(reverse("reports:report"), queries(day)[2]).content.decode()
    by_tag = page.split('id="by-tag"', 1)[1].split("</table>", 1)[0]
    assert "Urgent" in by_tag and "Payment" in by_tag


def test_the_page_makes_the_same_queries_with_more_conversations(
    client, manager, day, django_assert_num_queries
):
    client.force_login(manager)
    refresh()
    query = queries(day)[0]
    client.get(reverse("reports:report"), query)  # warm the session
    # session, user; which days and hours are kept, their rows; the current hour's
    # conversations, tags, messages, events, policies, business hours, holidays; the channel
    # and tag names, the agent's (no team: no team names); responsiveness 2, storms 1; the
    # form's 4 choices.
    with django_assert_num_queries(21):
        client.get(reverse("reports:report"), query)
    hour = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    for n in range(20):
        answered(day["channel"], hour - timedelta(hours=2, minutes=n), n, day["agent"])
        factories.make_conversation(day["channel"], at=timezone.now() - timedelta(seconds=n))
    refresh()
    with django_assert_num_queries(21):
        client.get(reverse("reports:report"), query)
    assert ReportRollup.objects.exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_the_refresh_travels_on_the_upkeep_queue_not_behind_the_ingest_backlog(client):
    broker_url = os.environ.get("REDIS_URL")
    if not broker_url:
        pytest.skip("needs Redis (REDIS_URL)")
    factories.make_channel("testchat", external_id=ACCOUNT)
    with queueing_for_real(broker_url) as env:
        queue = env["CELERY_QUEUE"]
        post_events(client, event("c1", thread="t1", text="hello", ts=100))
        refresh_rollups.delay()  # what beat does every minute
        broker = redis.Redis.from_url(broker_url)
        assert broker.llen(queue) == 1  # the ingest
        assert broker.llen(f"{queue}.upkeep") == 1  # a plain worker consumes both
