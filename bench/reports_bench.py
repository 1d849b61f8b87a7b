"""Reports: the managers' 90-day report at 10,000, 200,000 and 1,000,000 conversations.

    python -m bench reports_bench        (or: python -m bench.reports_bench)
    REPORTS_BENCH_SIZES=10000 python -m bench reports_bench     (one size)

PostgreSQL only: each size has a database of its own, switchboard_reports_bench_{10k,200k,1m}
(REPORTS_BENCH_DB_PREFIX changes the prefix) on BENCH_PG (postgres://postgres@127.0.0.1:5432 by default), seeded once with bulk SQL
(generate_series, as bench/seed.py does) and kept for the next run. The conversations spread
over the last 90 days up to the seeding, so the 89 days before today are read from the daily
rollups (reports.rollups) and today from its hourly ones and the current hour live; the run
builds the missing ones first, timed, as `manage.py rebuild_report_rollups` and the worker
would. Each conversation has a customer message and, four
times in five, an agent's answer; seven in ten were closed by their assignee. Business hours,
a holiday and two SLA policies make the business time and SLA figures real work.

Printed per size, medians of REPORTS_BENCH_RUNS runs in the same process, wall clock and this
process's CPU time: "floor", the barest query over the range (counting its conversations);
"page", everything /reports/ computes short of rendering (the rollups read once, the report,
the per agent and team figures, the charts, the responsiveness badges); "end of day", the same
as it runs at 23:xx: yesterday taken for today, its 23 closed hours read from hourly rollups
and its last hour live; "whole day live", yesterday read live entirely (what the end of a day
cost before hourly rollups, and costs now when the worker is a day behind); what building one
hour's rollup costs the worker; the page's queries, and EXPLAIN ANALYZE of each of them (at
the end of a day) and of the storm detector's and the Storming folder's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from datetime import time as clock

SIZES = tuple(
    int(n) for n in os.environ.get("REPORTS_BENCH_SIZES", "10000,200000,1000000").split(",")
)
DAYS = int(os.environ.get("REPORTS_BENCH_DAYS", "90"))
RUNS = int(os.environ.get("REPORTS_BENCH_RUNS", "5"))
SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
NAME = "bench-report"
# Each size's database is PREFIX_{10k,200k,1m}: engineers sharing a server keep their own.
PREFIX = os.environ.get("REPORTS_BENCH_DB_PREFIX", "switchboard_reports_bench")


def database_name(n: int) -> str:
    label = f"{n // 1_000_000}m" if n % 1_000_000 == 0 else f"{n // 1000}k"
    return f"{PREFIX}_{label}"


SEED = """
INSERT INTO inbox_conversation (channel_id, kind, external_thread_id, context_external_id,
    context, state, is_spam, priority, language, intent, preview, first_inbound_at,
    first_response_at, last_inbound_at, last_message_at, created_at, updated_at,
    context_state, context_attempts, context_error, team_id, assignee_id)
SELECT (%(channels)s::bigint[])[1 + g %% 3],
    CASE WHEN g %% 2 = 1 THEN 'comment' ELSE 'dm' END, 'rb' || g,
    CASE WHEN g %% 2 = 1 THEN 'post' || (g %% 500) ELSE '' END, '{}',
    CASE WHEN g %% 10 < 7 THEN 'closed' ELSE 'open' END, false, 'normal',
    (ARRAY['en', 'ru', 'et', 'de', 'es', 'zh'])[1 + g %% 6],
    (ARRAY['question', 'complaint', 'compliment', ''])[1 + g %% 4], 'Where is my order?',
    t.inbound,
    CASE WHEN g %% 5 > 0 THEN LEAST(t.inbound + ((g * 13) %% 300) * interval '1 minute', now())
    END,
    t.inbound, t.inbound, now(), now(), '', 0, '',
    CASE WHEN g %% 4 = 0 THEN %(team)s END,
    CASE WHEN g %% 3 > 0 THEN (%(agents)s::bigint[])[1 + g %% 3] END
FROM generate_series(1, %(n)s) g,
    LATERAL (SELECT %(start)s::timestamptz
             + ((g::bigint * 7919) %% %(span)s) * interval '1 second' AS inbound) t;

INSERT INTO inbox_conversation_tags (conversation_id, tag_id)
SELECT id, (%(tags)s::bigint[])[1 + id %% 5] FROM inbox_conversation WHERE id %% 3 > 0;

INSERT INTO inbox_message (conversation_id, channel_id, external_id, direction, visibility,
    text, attachments, extra, platform_timestamp, state_timestamp, parent_external_id, edited,
    edit_history, deleted, hidden, liked, placeholder, is_automatic, sent_natively,
    delivery_status, permalink, created_at)
SELECT id, channel_id, 'in' || id, 'in', 'public', preview, '[]', '{}', first_inbound_at,
    first_inbound_at, '', false, '[]', false, false, false, false, false, false, '', '', now()
FROM inbox_conversation;

INSERT INTO inbox_message (conversation_id, channel_id, author_agent_id, external_id,
    direction, visibility, text, attachments, extra, platform_timestamp, state_timestamp,
    parent_external_id, edited, edit_history, deleted, hidden, liked, placeholder,
    is_automatic, sent_natively, delivery_status, permalink, created_at)
SELECT id, channel_id, COALESCE(assignee_id, (%(agents)s::bigint[])[1]), 'out' || id, 'out',
    'public', 'It ships tomorrow.', '[]', '{}', first_response_at, first_response_at, '', false,
    '[]', false, false, false, false, false, false, 'posted', '', now()
FROM inbox_conversation WHERE first_response_at IS NOT NULL;

INSERT INTO inbox_auditevent (conversation_id, actor_id, rule_name, verb, data, created_at)
SELECT id, assignee_id, '', 'closed', '{}', COALESCE(first_response_at, first_inbound_at)
    + interval '1 hour'
FROM inbox_conversation WHERE state = 'closed'
"""


def _seed(n: int) -> dict:
    """The channels, tags, agents, team, calendar and policies, and n conversations, once."""
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Team, User
    from inbox.models import Channel, Conversation, Tag
    from rules.models import BusinessHours, SlaPolicy

    channels = [
        Channel.objects.get_or_create(
            kind="testchat", external_id=f"{NAME}-{k}", defaults={"name": f"Bench report {k}"}
        )[0]
        for k in range(3)
    ]
    tags = [Tag.objects.get_or_create(name=f"{NAME}-{k}")[0] for k in range(5)]
    agents = [
        User.objects.get_or_create(username=f"{NAME}-agent-{k}", defaults={"first_name": f"A{k}"})[
            0
        ]
        for k in range(3)
    ]
    team = Team.objects.get_or_create(name=NAME)[0]
    hours, made = BusinessHours.objects.get_or_create(
        name=NAME, defaults={"schedule": {str(d): [["09:00", "17:00"]] for d in range(5)}}
    )
    today = timezone.localdate()
    if made:
        hours.holidays.create(date=today - timedelta(days=30))
        SlaPolicy.objects.create(name=f"{NAME} all", first_response_minutes=60)
        SlaPolicy.objects.create(
            name=f"{NAME} dm",
            conversation_kind="dm",
            first_response_minutes=15,
            business_time=False,
        )
    if Conversation.objects.exists():
        return {"seeded_s": 0.0}
    began = time.perf_counter()
    start = timezone.make_aware(datetime.combine(today - timedelta(days=DAYS - 1), clock.min))
    span = int((timezone.now() - start).total_seconds())
    with connection.cursor() as cursor:
        for statement in SEED.split(";\n"):
            cursor.execute(
                statement,
                {
                    "n": n,
                    "channels": [c.pk for c in channels],
                    "tags": [t.pk for t in tags],
                    "agents": [a.pk for a in agents],
                    "team": team.pk,
                    "start": start,
                    "span": span,
                },
            )
        cursor.execute("ANALYZE")
    return {"seeded_s": round(time.perf_counter() - began, 1)}


def _explain(sql: str) -> str:
    """The plan's top line and its execution time."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT TEXT) " + sql)
        lines = [row[0] for row in cursor.fetchall()]
    executed = next((ln for ln in lines if ln.startswith("Execution Time")), "")
    return f"{executed.removeprefix('Execution Time: '):>12}  {lines[0].strip()[:110]}"


def _median_ms(function, runs: int) -> tuple[float, float]:
    """Medians of the wall clock and of this process's CPU time (PostgreSQL's is not in it)."""
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return round(statistics.median(wall), 1), round(statistics.median(cpu), 1)


def measure(n: int) -> dict:
    """One size, in this process, on the database DATABASE_URL names."""
    from bench import setup_django

    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from inbox.models import Conversation
    from reports import storms
    from reports.filters import ReportScope
    from reports.models import ReportRollup, RollupDay
    from reports.people import people
    from reports.responsiveness import responsiveness
    from reports.rollups import collect, hour_start, store_day, store_hour
    from reports.selectors import report
    from reports.tables import chart_tables

    figures = _seed(n)
    today = timezone.localdate()
    scope = ReportScope(date_from=today - timedelta(days=DAYS - 1), date_to=today)
    have = Conversation.objects.filter(scope.conversations_q()).count()
    assert have == n, (have, n)
    past = [d for d in scope.days if d < today]
    missing = [d for d in past if not RollupDay.objects.filter(day=d, hour=None).exists()]
    began = time.perf_counter()
    for day in missing:
        store_day(day)
    figures["rollups_built"] = len(missing)
    figures["rollups_s"] = round(time.perf_counter() - began, 1)
    now = timezone.now()
    for hour in range(24):  # today's closed hours, as the worker keeps them
        if hour_start(today, hour + 1) <= now:
            store_hour(today, hour)

    def page():
        collected = collect(scope)
        result = report(scope, collected=collected)
        return result, chart_tables(result), people(scope, collected=collected), responsiveness()

    def floor():
        return Conversation.objects.filter(scope.conversations_q()).count()

    page()  # warm up
    result = page()[0]
    assert result.conversations == n, result.conversations
    figures["floor_ms"] = _median_ms(floor, RUNS)
    figures["page_ms"] = _median_ms(page, RUNS)
    with CaptureQueriesContext(connection) as queries:
        page()
    figures["queries"] = len(queries)
    # The end of a day: yesterday's whole-day rollup set aside and its 23 first hours kept
    # hourly, as today is by 23:xx, its last hour read live.
    yesterday = today - timedelta(days=1)
    RollupDay.objects.filter(day=yesterday).delete()
    try:
        builds = []
        for hour in range(23):
            began = time.process_time()
            store_hour(yesterday, hour)
            builds.append((time.process_time() - began) * 1000)
        figures["hour_build_cpu_ms"] = round(statistics.median(builds), 1)
        figures["end_of_day_ms"] = _median_ms(page, RUNS)
        with CaptureQueriesContext(connection) as queries:
            page()
        figures["end_of_day_queries"] = len(queries)
        RollupDay.objects.filter(day=yesterday).delete()  # and now none of it kept
        figures["live_day_ms"] = _median_ms(page, RUNS)
    finally:
        ReportRollup.objects.filter(day=yesterday, hour__isnull=False).delete()
        store_day(yesterday)
    figures["plans"] = [_explain(q["sql"]) for q in queries.captured_queries]
    # The storm detector's minute, and the inbox's Storming folder.
    now = timezone.now()
    with CaptureQueriesContext(connection) as storm_queries:
        storms.windows(now)
        list(
            Conversation.objects.filter(storms.storming_condition(None))
            .order_by("-last_message_at")
            .values_list("pk", flat=True)[:50]
        )
    figures["storm_plans"] = [_explain(q["sql"]) for q in storm_queries.captured_queries]
    return figures


def _child(n: int) -> None:
    from bench.seed import ensure_database

    url = f"{SERVER}/{database_name(n)}"
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    figures = measure(n)

    def ms(name):
        wall, cpu = figures[name]
        return f"{wall:.0f} ms (cpu {cpu:.0f})"

    print(
        f"  {n:>9,} conversations: floor {ms('floor_ms')}, page {ms('page_ms')}, "
        f"{figures['queries']} queries; end of day {ms('end_of_day_ms')}, "
        f"{figures['end_of_day_queries']} queries; whole day live {ms('live_day_ms')}; "
        f"an hour's rollup built in {figures['hour_build_cpu_ms']:.0f} ms cpu "
        f"(seeded in {figures['seeded_s']} s; {figures['rollups_built']} days rolled up in "
        f"{figures['rollups_s']} s)",
        flush=True,
    )
    for plan in figures["plans"]:
        print(f"      page  {plan}")
    for plan in figures["storm_plans"]:
        print(f"      storm {plan}")


def main() -> None:
    print(f"reports bench on PostgreSQL: a {DAYS}-day report, median of {RUNS} runs", flush=True)
    for n in SIZES:  # a process per size: each has its own database
        subprocess.run(
            [sys.executable, "-m", "bench.reports_bench", "--size", str(n)],
            check=True,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"},
        )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--size":
        _child(int(sys.argv[2]))
    else:
        main()
