"""No ingest query walks a whole big table: checked with EXPLAIN on PostgreSQL.

A query that scans `inbox_message` costs nothing on a test database and 340 ms at a million
messages (the reply-linking UPDATE did, before its index). So the test gives the planner a
Page with a history and real statistics (bench/seed.py's bulk fill, then ANALYZE), runs
webhook deliveries of every Facebook shape through the real webhook URL and the worker's
path (store, claim, parse, upsert, classify, SLA, rules, outbox), then a burst of new
comments and replies taken by the worker as one batch, and EXPLAIN ANALYZEs every
statement they ran. A Seq Scan on a big table, or an index scan that reads and
discards a large part of one, fails the test, with the statement and the scan.
"""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.seed import page_channel, seed
from inbox import ingest
from inbox.models import InboundEvent
from tests.support.facebook import fixture_bytes, post_signed

pytestmark = pytest.mark.django_db

BIG_TABLES = ("inbox_message", "inbox_conversation", "inbox_inboundevent")
# Large enough that the planner prefers an index to a scan whenever one can serve.
SEEDED_MESSAGES = 40_000
# More posts than the planner keeps statistics for (100), with over a hundred threads each:
# a million-message history in miniature. Whether the planner walks a table in id order
# hoping to meet a match soon, or uses an index, depends on that shape, not on the size.
POSTS = 150
# Rows a scan may read and discard: a thread's messages, a post's comments, not the table.
WASTE_ALLOWED = 500

DELIVERIES = [
    "fb_feed_comment_reply",  # the reply before its parent: stored as an orphan...
    "fb_feed_comment_add",  # ...and linked when the parent lands
    "fb_feed_comment_edited",
    "fb_feed_comment_hide",
    "fb_feed_comment_remove",
    "fb_feed_page_reply_echo",
    "fb_messages_text",
    "fb_messages_reply_to",
    "fb_message_echo_native",
    "fb_message_delivery",
    "fb_message_read",
]


BURST = 20


def store_burst(source, n: int) -> list[int]:
    """Store n of the benchmark's comment webhooks, unprocessed; their ids, oldest first."""
    from channels_fb.webhooks import split as events_from_body

    events = [e for _ in range(n) for e in events_from_body(source.next()[0])]
    ingest.store_events("facebook", events)
    keys = [e.delivery_key for e in events]
    return list(
        InboundEvent.objects.filter(channel_kind="facebook", delivery_key__in=keys)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def scans(sql: str) -> list[str]:
    """The scans of a big table in `sql`'s executed plan that read far more than they keep.

    Run with EXPLAIN ANALYZE in a savepoint that is rolled back, so an index that only
    narrows the search a little (half the table by `parent_id IS NULL`) shows up as the rows
    it read and threw away, not just a Seq Scan that the planner happened to avoid.
    """
    found = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plans = [cursor.fetchone()[0][0]["Plan"]]
        transaction.set_rollback(True)
    while plans:
        node = plans.pop()
        plans.extend(node.get("Plans", []))
        if node.get("Relation Name") not in BIG_TABLES:
            continue
        wasted = node.get("Rows Removed by Filter", 0) + node.get(
            "Rows Removed by Index Recheck", 0
        )
        if node["Node Type"] == "Seq Scan" or wasted > WASTE_ALLOWED:
            found.append(
                f"{node['Node Type']} on {node['Relation Name']} "
                f"({node.get('Index Name', 'no index')}): kept {node['Actual Rows']}, "
                f"threw away {wasted}"
            )
    return found


@pytest.fixture
def history(graph_standin):
    if connection.vendor != "postgresql":
        pytest.skip("query plans are PostgreSQL's")
    seed(SEEDED_MESSAGES, posts=POSTS, quiet=True)
    return page_channel(api_base_url=graph_standin.url)


def test_seeding_fills_a_page_with_history(history):
    from inbox.models import Conversation, InboundEvent, Message

    assert Message.objects.filter(channel=history).count() == SEEDED_MESSAGES
    assert Conversation.objects.filter(channel=history).count() == SEEDED_MESSAGES // 2
    assert (
        InboundEvent.objects.filter(channel=history, state="done").count() == SEEDED_MESSAGES // 2
    )
    # Seeding again finds it done.
    assert seed(SEEDED_MESSAGES, posts=POSTS, quiet=True)["messages"] == SEEDED_MESSAGES


def test_no_ingest_statement_scans_a_big_table(history, client, django_capture_on_commit_callbacks):
    from bench import traffic

    burst = traffic.for_database()
    with CaptureQueriesContext(connection) as captured:
        for name in DELIVERIES:
            with django_capture_on_commit_callbacks(execute=True):
                assert post_signed(client, fixture_bytes(name)).status_code == 200
        # A burst waiting for the worker, taken as one batch: new comments from returning
        # customers and replies in old threads (bench/traffic.py).
        with django_capture_on_commit_callbacks(execute=False):
            waiting = store_burst(burst, BURST)
        assert ingest.process_batch(waiting[0]).new_inbound
        ingest.events_due_for_sweep()
    assert not InboundEvent.objects.filter(pk__in=waiting).exclude(state="done").exists()
    statements = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].lstrip().split(" ", 1)[0].upper() in ("SELECT", "UPDATE", "DELETE")
    ]
    assert len(statements) > 50  # the deliveries really went through the worker's path
    from inbox.models import Message

    reply = Message.objects.get(external_id="122154830261048877_1044007731190552")
    assert reply.parent is not None  # the orphan reply was linked to its parent

    offenders = {}
    for sql in statements:
        found = scans(sql)
        if found:
            offenders[sql] = found
    assert not offenders, "\n\n".join(f"{sql}\n  -> {plan}" for sql, plan in offenders.items())
