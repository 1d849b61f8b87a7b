"""Benchmark: one Celery worker process's events/s at 10k, 200k and 1M messages.

    python -m bench worker_bench
    BENCH_SIZES=10000,1000000 BENCH_EVENTS=1000 BENCH_WORKERS=1,2,4 python -m bench worker_bench

Each size has its own PostgreSQL database (BENCH_DATABASE_URL with `_10k`, `_200k`, `_1m`
appended; default switchboard_bench_*), seeded once by bench/seed.py and reused. A real
`celery worker -c 1` runs on Redis (REDIS_URL, default redis://127.0.0.1:6379/0) with the
seeded rules, SLA policies and the classifier; the Graph stand-in answers what the rules post.
After a warm-up, BENCH_EVENTS fresh comment webhooks are stored at once, as a burst of Meta
deliveries would be, and the worker's time to finish them all gives events/s; that is
repeated with a worker of 2 and 4 pool processes (BENCH_WORKERS). Then a few more are
processed in this process to count SQL statements per event, alone and in a batch.

Each size runs in its own Python process (Django is set up once per process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

SIZES = (10_000, 200_000, 1_000_000)
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/switchboard_bench"
FINISHED = ("done", "failed", "unsupported")


def label(size: int) -> str:
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def database_url(size: int) -> str:
    return f"{os.environ.get('BENCH_DATABASE_URL', DEFAULT_URL)}_{label(size)}"


def setup(size: int, *, queue: str) -> str:
    """Django on the database of this size, migrated and seeded; returns its URL."""
    from .seed import set_up

    url = database_url(size)
    set_up(url, queue=queue, messages=size)
    return url


def store(traffic, n: int) -> list[int]:
    """Store n webhook events as the webhook view does (queued after commit)."""
    from channels_fb.webhooks import split as events_from_body
    from inbox import ingest
    from inbox.models import InboundEvent

    events = [e for _ in range(n) for e in events_from_body(traffic.next()[0])]
    ingest.store_events("facebook", events)
    keys = [e.delivery_key for e in events]
    return list(
        InboundEvent.objects.filter(channel_kind="facebook", delivery_key__in=keys).values_list(
            "pk", flat=True
        )
    )


def wait_finished(ids: list[int], timeout: float) -> float:
    from inbox.models import InboundEvent

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = InboundEvent.objects.filter(pk__in=ids).exclude(state__in=FINISHED).count()
        if not left:
            return time.monotonic()
        time.sleep(0.05)
    raise RuntimeError(f"{left} of {len(ids)} events still unprocessed after {timeout}s")


def queries_per_event(traffic, n: int = 20) -> tuple[float, float]:
    """(SQL statements, ms) per event, each processed alone in this process (as when events
    arrive one at a time), with nothing else running."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inbox import ingest

    counts, times = [], []
    for _ in range(n):
        (event_id,) = store(traffic, 1)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            ingest.process_event(event_id)
            times.append(time.perf_counter() - started)
        counts.append(len(captured))
    counts.sort()
    times.sort()
    return counts[n // 2], times[n // 2] * 1000


def queries_per_batched_event(traffic, n: int = 50) -> tuple[float, float]:
    """(SQL statements, ms) per event when n are waiting and one task takes them together."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inbox import ingest

    ids = store(traffic, n)
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        ingest.process_batch(min(ids), limit=n)
        seconds = time.perf_counter() - started
    return len(captured) / n, seconds * 1000 / n


def burst(traffic, events: int, *, env: dict, concurrency: int) -> dict:
    """A cold `celery worker -c concurrency`, warmed up, then `events` stored at once."""
    from inbox.models import InboundEvent

    from . import services

    with services.celery_worker(env, concurrency=concurrency) as worker:
        wait_finished(store(traffic, 20), timeout=180)  # warm: models, connections
        cpu = services.worker_cpu_seconds(worker.pid), services.database_cpu_seconds()
        waited = services.worker_run_queue_seconds(worker.pid)
        started = time.monotonic()
        ids = store(traffic, events)
        finished = wait_finished(ids, timeout=events * 2 + 60)
        # CPU spent per event by the worker and by its database connections: the cost,
        # which other load on a shared machine inflates far less than the wall clock.
        worker_cpu = (services.worker_cpu_seconds(worker.pid) - cpu[0]) / len(ids)
        database_cpu = (services.database_cpu_seconds() - cpu[1]) / len(ids)
        # Ready to run but waiting for a core: what a shared 2-core machine adds to the wall.
        run_queue = (services.worker_run_queue_seconds(worker.pid) - waited) / len(ids)
        rss = services.resident_mb(worker.pid)
    seconds = finished - started
    return {
        "workers": concurrency,
        "events": len(ids),
        "failed": InboundEvent.objects.filter(pk__in=ids).exclude(state="done").count(),
        "seconds": seconds,
        "events_per_s": len(ids) / seconds,
        "ms_per_event": seconds * 1000 / len(ids),
        "worker_rss_mb": rss,
        "worker_cpu_ms": worker_cpu * 1000,
        "database_cpu_ms": database_cpu * 1000,
        "run_queue_ms": run_queue * 1000,
        "load": os.getloadavg()[0],
    }


def measure(size: int, events: int, workers: list[int]) -> dict:
    queue = "bench-worker"  # fixed, so that purging it clears what a stopped run left
    url = setup(size, queue=queue)
    from channels_fb.standin import GraphStandin
    from inbox import ingest
    from inbox.models import Message
    from switchboard.celery import app
    from switchboard.standin_server import served

    from . import services
    from . import traffic as traffic_module
    from .seed import page_channel

    with served(GraphStandin()) as graph:
        channel = page_channel(api_base_url=graph.url)
        # What a stopped or earlier run left: its queued tasks, and the channel's "a task is
        # on its way" mark, which would hold the warm-up's events back for the sweep.
        app.control.purge()
        ingest.clear_pending(channel.pk)
        traffic = traffic_module.for_database()
        env = services.environment(url, queue=queue)
        bursts = [burst(traffic, events, env=env, concurrency=c) for c in workers]
        graph.webhooks.stop()
        app.control.purge()
        queries, ms_inline = queries_per_event(traffic)
        batched_queries, batched_ms = queries_per_batched_event(traffic)
        app.control.purge()
    return {
        "size": size,
        "messages": Message.objects.count(),
        "bursts": bursts,
        "queries_per_event": queries,
        "ms_inline": ms_inline,
        "queries_per_batched_event": batched_queries,
        "ms_batched": batched_ms,
    }


def pg_cpu(result: dict) -> str:
    # Celery reconnects for every task unless CELERY_DB_REUSE_MAX is set (BENCH_DB_REUSE_MAX
    # here): a backend that has exited by the time it is read cannot be measured.
    return f"{result['database_cpu_ms']:.1f}" if result["database_cpu_ms"] else "—"


def main() -> list[dict]:
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", ",".join(map(str, SIZES))).split(",")]
    events = int(os.environ.get("BENCH_EVENTS", "600"))
    workers = os.environ.get("BENCH_WORKERS", "1,2,4")
    results = []
    for size in sizes:
        print(f"-- {size:,} messages", flush=True)
        out = subprocess.run(
            [sys.executable, "-m", "bench.worker_bench", str(size), str(events), workers],
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        lines = out.stdout.strip().splitlines()
        print("\n".join(lines[:-1]), flush=True)
        results.append(json.loads(lines[-1]))
    print(
        "\ncelery worker -c N (N pool processes), PostgreSQL + Redis, classifier + SLA + seeded "
        f"rules on; a burst of {events} comment webhooks stored at once\n"
    )
    print(
        "ms/event: wall clock; CPU ms/event: the worker's own, and its PostgreSQL backends'; "
        "runq: the worker's ms/event ready to run but waiting for a core; "
        "SQL/event: one event processed alone in the benchmark's process, and one of 50 "
        "taken together (ms likewise); load: 1-minute load average\n"
    )
    print(
        f"{'messages':>10} {'workers':>7} {'events/s':>9} {'ms/event':>9} {'CPU worker':>11} "
        f"{'CPU pg':>7} {'runq':>6} {'SQL alone':>10} {'SQL batch':>10} {'ms alone':>9} {'ms batch':>9} "
        f"{'worker MB':>10} {'failed':>7} {'load':>5}"
    )
    for r in results:
        for b in r["bursts"]:
            print(
                f"{r['messages']:>10,} {b['workers']:>7} {b['events_per_s']:>9.1f} "
                f"{b['ms_per_event']:>9.1f} {b['worker_cpu_ms']:>11.1f} {pg_cpu(b):>7} {b.get('run_queue_ms', 0):>6.1f} "
                f"{r['queries_per_event']:>10} {r['queries_per_batched_event']:>10.1f} "
                f"{r['ms_inline']:>9.1f} {r['ms_batched']:>9.1f} {b['worker_rss_mb']:>10.0f} "
                f"{b['failed']:>7} {b['load']:>5.1f}"
            )
    return results


if __name__ == "__main__":
    if len(sys.argv) == 4:
        workers = [int(w) for w in sys.argv[3].split(",")]
        print(json.dumps(measure(int(sys.argv[1]), int(sys.argv[2]), workers)))
    else:
        main()
