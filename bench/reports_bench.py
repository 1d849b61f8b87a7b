"""Reports: the managers' report over 1,000 and 10,000 conversations.

    python -m bench reports_bench        (or: python -m bench.reports_bench)

On a throwaway SQLite database unless DATABASE_URL is set. Measures the report's queries
(the same number at every size) and its time, with business hours, a holiday and two SLA
policies, so business time and SLA attainment are computed for every conversation. "page"
is everything the page computes: the report, the charts drawn as SVG, the per agent and team
figures over each conversation's messages (a question and, four times in five, an agent's
answer) and the responsiveness figure. Leaves the database as found.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

# Larger runs from the environment, e.g. a 90-day report at 200,000 conversations:
#   REPORTS_BENCH_SIZES=200000 REPORTS_BENCH_DAYS=90 REPORTS_BENCH_RUNS=3 python -m bench reports_bench
SIZES = tuple(int(n) for n in os.environ.get("REPORTS_BENCH_SIZES", "1000,10000").split(","))
DAYS = int(os.environ.get("REPORTS_BENCH_DAYS", "7"))
RUNS = int(os.environ.get("REPORTS_BENCH_RUNS", "5"))


def _seed(n: int, tag_ids: list[int], channel_ids: list[int], agent_id: int) -> None:
    from inbox.models import Conversation, Message

    rows = []
    start = datetime(2026, 3, 2, tzinfo=UTC)
    for i in range(n):
        inbound = start + timedelta(minutes=(i * 37) % (DAYS * 24 * 60))
        rows.append(
            Conversation(
                channel_id=channel_ids[i % len(channel_ids)],
                kind="comment" if i % 2 else "dm",
                external_thread_id=f"bench-report-{n}-{i}",
                first_inbound_at=inbound,
                first_response_at=inbound + timedelta(minutes=(i * 13) % 300) if i % 5 else None,
                intent=["question", "complaint", "compliment", ""][i % 4],
                language=["en", "ru", "et", "de", "es", "zh"][i % 6],
            )
        )
    made = Conversation.objects.bulk_create(rows, batch_size=1000)
    through = Conversation.tags.through
    through.objects.bulk_create(
        [
            through(conversation_id=c.pk, tag_id=tag_ids[i % len(tag_ids)])
            for i, c in enumerate(made)
            if i % 3
        ],
        batch_size=1000,
    )
    messages = []
    for c in made:
        messages.append(
            Message(
                conversation_id=c.pk,
                channel_id=c.channel_id,
                direction="in",
                platform_timestamp=c.first_inbound_at,
            )
        )
        if c.first_response_at:
            messages.append(
                Message(
                    conversation_id=c.pk,
                    channel_id=c.channel_id,
                    direction="out",
                    author_agent_id=agent_id,
                    platform_timestamp=c.first_response_at,
                )
            )
    Message.objects.bulk_create(messages, batch_size=1000)


def main() -> dict:
    from bench import setup_django

    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from inbox.models import Channel, Conversation, Tag
    from reports.filters import ReportScope
    from reports.people import people
    from reports.responsiveness import responsiveness
    from reports.selectors import report
    from reports.tables import chart_tables

    def page(scope):
        """What the report page computes, short of rendering the template."""
        figures = report(scope)
        return figures, chart_tables(figures), people(scope), responsiveness()

    from rules.models import BusinessHours, SlaPolicy

    scope = ReportScope(
        date_from=date(2026, 3, 2), date_to=date(2026, 3, 2) + timedelta(days=DAYS - 1)
    )
    channels = [
        Channel.objects.create(
            kind="testchat", external_id=f"bench-report-{k}", name=f"Bench report {k}"
        )
        for k in range(3)
    ]
    tags = [Tag.objects.create(name=f"bench-report-{k}") for k in range(5)]
    agent = User.objects.create(username="bench-report-agent")
    hours = BusinessHours.objects.create(
        name="bench-report", schedule={str(d): [["09:00", "17:00"]] for d in range(5)}
    )
    hours.holidays.create(date=date(2026, 3, 4))
    policies = [
        SlaPolicy.objects.create(name="bench-report all", first_response_minutes=60),
        SlaPolicy.objects.create(
            name="bench-report dm",
            conversation_kind="dm",
            first_response_minutes=15,
            business_time=False,
        ),
    ]
    figures: dict = {"database": connection.vendor}
    try:
        seeded = 0
        for n in SIZES:
            _seed(n - seeded, [t.pk for t in tags], [c.pk for c in channels], agent.pk)
            seeded = n
            report(scope)  # warm up
            samples = []
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    result = report(scope)
                    samples.append((time.perf_counter() - began) * 1000)
            assert result.conversations == n, result.conversations
            figures[n] = {"queries": len(queries), "ms": round(statistics.median(samples), 1)}
            page_samples = []
            for _ in range(RUNS):
                with CaptureQueriesContext(connection) as queries:
                    began = time.perf_counter()
                    page(scope)
                    page_samples.append((time.perf_counter() - began) * 1000)
            figures[n].update(
                page_queries=len(queries), page_ms=round(statistics.median(page_samples), 1)
            )
        print(f"reports bench on {figures['database']}: {DAYS} days, {RUNS} runs each (median)")
        for n in SIZES:
            print(
                f"  {n:>6} conversations: report {figures[n]['queries']} queries, "
                f"{figures[n]['ms']:8.1f} ms; page {figures[n]['page_queries']} queries, "
                f"{figures[n]['page_ms']:8.1f} ms"
            )
    finally:
        Conversation.objects.filter(channel__in=channels).delete()
        Channel.objects.filter(pk__in=[c.pk for c in channels]).delete()
        Tag.objects.filter(pk__in=[t.pk for t in tags]).delete()
        SlaPolicy.objects.filter(pk__in=[p.pk for p in policies]).delete()
        hours.delete()
        agent.delete()
    return figures


if __name__ == "__main__":
    main()
