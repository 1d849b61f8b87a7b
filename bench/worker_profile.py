"""Where a worker's time goes: batches of fresh comment webhooks processed in this process.

    python -m bench.worker_profile 1000000 50            # size, batch size
    BENCH_BATCHES=10 BENCH_TOP=30 python -m bench.worker_profile 10000 50
    BENCH_SHOW="SELECT inbox_message,UPDATE inbox_conversation" python -m bench.worker_profile

On the seeded database of that size (bench/worker_bench.py's, seeded once), stores a batch
of fresh comments as the webhook view does and processes it with `ingest.process_batch`, as
one worker task would, BENCH_BATCHES times after one warm-up batch. Prints SQL statements
and CPU milliseconds per event (this thread's CPU time, which other load on a shared
machine inflates far less than the wall clock; the Graph stand-in's thread is not in it), the statements grouped by what they start
with, and the functions with the most cumulative time under cProfile (a separate pass, as
profiling slows everything it watches).
"""

from __future__ import annotations

import collections
import cProfile
import os
import pstats
import re
import sys
import time


def statement_kind(sql: str) -> str:
    """A statement's shape: its verb and first table, e.g. "UPDATE inbox_conversation"."""
    sql = sql.strip()
    verb = sql.split(None, 1)[0].upper() if sql else "?"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else ''}".strip()


def run(size: int, batch: int, batches: int, top: int) -> None:
    from .worker_bench import setup

    setup(size, queue="bench-worker-profile")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from channels_fb.standin import GraphStandin
    from inbox import ingest
    from inbox.models import InboundEvent, Message
    from switchboard.celery import app
    from switchboard.standin_server import served

    from . import traffic as traffic_module
    from .seed import page_channel
    from .worker_bench import store

    def one_batch() -> int:
        ids = store(traffic, batch)
        ingest.process_batch(min(ids), limit=batch)
        left = InboundEvent.objects.filter(pk__in=ids).exclude(state="done").count()
        if left:
            raise RuntimeError(f"{left} of {len(ids)} events not done")
        return len(ids)

    with served(GraphStandin()) as graph:
        page_channel(api_base_url=graph.url)
        traffic = traffic_module.for_database()
        one_batch()  # warm: the classifier, the rule set, the connection
        kinds: collections.Counter[str] = collections.Counter()
        events = statements = 0
        examples: dict[str, str] = {}  # one statement of each shape, literals left out
        cpu = 0.0
        for _ in range(batches):
            ids = store(traffic, batch)
            connection.queries_log.clear()  # it keeps 9000: a full one captures nothing
            with CaptureQueriesContext(connection) as captured:
                started = time.thread_time()
                ingest.process_batch(min(ids), limit=batch)
                cpu += time.thread_time() - started
            events += len(ids)
            statements += len(captured)
            kinds.update(statement_kind(q["sql"]) for q in captured.captured_queries)
            for q in captured.captured_queries:
                shape = statement_kind(q["sql"])
                sql = re.sub(r"^\s*SELECT .*? FROM ", "SELECT … FROM ", q["sql"], flags=re.S)
                examples.setdefault(shape, re.sub(r"'[^']*'|\b\d+\b", "?", sql)[:500])
        profiler = cProfile.Profile()
        profiler.enable()
        profiled = sum(one_batch() for _ in range(max(batches // 2, 1)))
        profiler.disable()
        graph.webhooks.stop()
        app.control.purge()
    print(
        f"{Message.objects.count():,} messages; {batches} batches of {batch}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"SQL / event: {statements / events:.1f}    CPU ms / event: {cpu * 1000 / events:.2f}")
    print("\nstatements per event, by kind:")
    for kind, n in kinds.most_common():
        print(f"  {n / events:6.2f}  {kind}")
    if os.environ.get("BENCH_SHOW"):  # e.g. BENCH_SHOW="SELECT inbox_message"
        for shape in os.environ["BENCH_SHOW"].split(","):
            print(f"\n{shape}, e.g.: {examples.get(shape.strip(), '(none)')}")
    print(f"\ntop {top} by cumulative time ({profiled} events under cProfile):")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(top)
    print(f"top {top // 2} by own time:")
    stats.sort_stats("tottime").print_stats(top // 2)


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    run(
        size,
        batch,
        int(os.environ.get("BENCH_BATCHES", "10")),
        int(os.environ.get("BENCH_TOP", "40")),
    )
