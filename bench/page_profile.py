"""Where a page's time goes: the inbox list, the conversation pane and the full conversation
page, each requested through Django's handler in this process, against the floor's.

    python -m bench.page_profile                      # 10k conversations, 50 requests each
    python -m bench.page_profile 10k 100              # size, requests per page
    BENCH_TOP=30 BENCH_PROFILE=pane python -m bench.page_profile

On bench/http_bench.py's seeded database of that size (switchboard_pages_bench_10k, seeded
once), as its agent (bench-agent), with django.test.Client: the list (Open, 50 rows), the
pane (a conversation as htmx asks for it), the page (the same conversation as a fresh load)
and the floor's list and detail (bench/floor.py), N times each after a warm-up. Printed per
request: SQL statements, Python function calls (cProfile, a separate pass; the steadiest
figure on a shared machine) and this thread's CPU milliseconds (time.thread_time, which other
load inflates far less than the wall clock; PostgreSQL's own time is not in it), then the
ratios against the floor as http_bench takes them (list / floor list; pane and page /
floor list + detail). BENCH_PROFILE names the page whose top functions to print.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import time


def run(size: str, n: int, top: int, profiled_page: str) -> None:
    from .http_bench import QUEUE, setup

    setup(size)
    os.environ["CELERY_QUEUE"] = QUEUE
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from inbox.models import Conversation

    from .e2e_bench import agent_session

    user, _ = User.objects.get_or_create(username="bench-agent", defaults={"first_name": "Bench"})
    client = Client()
    client.cookies["sessionid"] = agent_session(user)
    opened = (
        Conversation.objects.filter(state="open", is_spam=False)
        .order_by("-last_message_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    pages = {
        "floor list": ("/bench/floor/", {}),
        "floor detail": (f"/bench/floor/c/{opened}/", {}),
        "list": ("/", {}),
        "pane": (f"/c/{opened}/", {"HTTP_HX_REQUEST": "true"}),
        "page": (f"/c/{opened}/", {}),
    }

    def get(path: str, headers: dict) -> None:
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")

    figures: dict[str, dict[str, float]] = {}
    profiles: dict[str, pstats.Stats] = {}
    for name, (path, headers) in pages.items():
        for _ in range(3):
            get(path, headers)  # warm: the connection, templates, caches
        statements: list[str] = []

        def count(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        # An execute wrapper, not CaptureQueriesContext: each request's start clears
        # connection.queries_log.
        with connection.execute_wrapper(count):
            started = time.thread_time()
            for _ in range(n):
                get(path, headers)
            cpu = time.thread_time() - started
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(n):
            get(path, headers)
        profiler.disable()
        stats = pstats.Stats(profiler)
        profiles[name] = stats
        figures[name] = {
            "sql": len(statements) / n,
            "calls": stats.total_calls / n,  # type: ignore[attr-defined]
            "cpu_ms": cpu * 1000 / n,
        }
    print(
        f"{Conversation.objects.count():,} conversations; {n} requests each; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'':>13} {'SQL':>5} {'Python calls':>13} {'CPU ms':>7}")
    for name, f in figures.items():
        print(f"{name:>13} {f['sql']:>5.1f} {f['calls']:>13,.0f} {f['cpu_ms']:>7.2f}")
    floor_list = figures["floor list"]
    both = {k: floor_list[k] + figures["floor detail"][k] for k in ("calls", "cpu_ms")}
    print("\nours / the floor's (list / floor list; pane, page / floor list + detail):")
    for name, base in (("list", floor_list), ("pane", both), ("page", both)):
        print(
            f"{name:>13}  calls {figures[name]['calls'] / base['calls']:.2f}"
            f"  CPU {figures[name]['cpu_ms'] / base['cpu_ms']:.2f}"
        )
    if profiled_page:
        print(f"\n{profiled_page}: top {top} by cumulative time ({n} requests):")
        stats = profiles[profiled_page]
        stats.stream = sys.stdout  # type: ignore[attr-defined]
        stats.sort_stats("cumulative").print_stats(top)
        print(f"top {top} by own time:")
        stats.sort_stats("tottime").print_stats(top)


if __name__ == "__main__":
    run(
        sys.argv[1] if len(sys.argv) > 1 else "10k",
        int(sys.argv[2]) if len(sys.argv) > 2 else 50,
        int(os.environ.get("BENCH_TOP", "40")),
        os.environ.get("BENCH_PROFILE", ""),
    )
