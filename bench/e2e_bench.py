"""Benchmark: webhook → visible in an open inbox, with a real server, broker and worker.

    python -m bench e2e_bench
    BENCH_E2E_RATES=20,50 BENCH_E2E_SECONDS=60 BENCH_E2E_SIZE=1000000 python -m bench e2e_bench

For each rate: gunicorn (2 sync workers) serves Switchboard on the seeded PostgreSQL
database of BENCH_E2E_SIZE messages (bench/worker_bench.py's, seeded if missing), Redis is
broker and cache (REDIS_URL), and one Celery worker process is started cold. Signed Meta
`feed` webhooks (new comments and replies, bench/traffic.py) are posted over HTTP at the
rate for BENCH_E2E_SECONDS. An agent's open inbox (Open folder) is watched the way the page
watches it (static/inbox/live.js): the live feed is polled with the version the page holds,
every BENCH_E2E_POLL_MS (1000, the page's own interval), and a comment is visible when a row
in the feed (or in the reloaded list, when the feed says "reload") shows its text.
Latency = first poll that shows it − the moment its webhook was sent.
"""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from . import services, worker_bench

SECRET = "bench-meta-app-secret"  # noqa: S105 - signs the benchmark's own webhooks
MARKER = re.compile(r"\[([0-9a-f]{10}-\d+)\]")
VERSION = re.compile(r'id="list"[^>]*data-version="(\d+)"')
QUERY = re.compile(r'id="list"[^>]*data-query="([^"]*)"')


def _attribute(pattern: re.Pattern[str], html: str) -> str:
    """The value `pattern` captures from the inbox page; the feed cannot start without it."""
    match = pattern.search(html)
    if match is None:
        raise RuntimeError(f"the inbox page has no {pattern.pattern!r}")
    return match.group(1)


class Watcher(threading.Thread):
    """An open inbox: polls the live feed and notes when each marker first shows."""

    def __init__(self, base: str, session_cookie: str, poll: float):
        super().__init__(daemon=True)
        self.base, self.poll = base, poll
        self.http = requests.Session()
        self.http.cookies.set("sessionid", session_cookie)
        self.seen: dict[str, float] = {}
        self.reloads = 0
        self.errors: list[str] = []
        self.stopping = threading.Event()
        page = self.http.get(base + "/", timeout=30)
        page.raise_for_status()
        self.version = int(_attribute(VERSION, page.text))
        self.query = _attribute(QUERY, page.text).replace("&amp;", "&")

    def note(self, html: str, at: float) -> None:
        for marker in MARKER.findall(html):
            self.seen.setdefault(marker, at)

    def run(self) -> None:
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                body = self.http.get(
                    f"{self.base}/live/?{self.query}&v={self.version}",
                    headers={"Accept": "application/json"},
                    timeout=30,
                ).json()
                at = time.monotonic()
                self.version = body["version"]
                for row in body.get("rows") or []:
                    self.note(row["html"], at)
                if body.get("reload"):
                    self.reloads += 1
                    self.note(
                        self.http.get(f"{self.base}/?{self.query}", timeout=30).text,
                        time.monotonic(),
                    )
            except (requests.RequestException, ValueError, KeyError) as exc:
                self.errors.append(repr(exc))  # as the page does: the next tick tries again
            self.stopping.wait(max(self.poll - (time.monotonic() - started), 0))


def post_at_rate(base: str, traffic, rate: float, seconds: float) -> tuple[dict, int]:
    """Signed webhooks at `rate` per second; returns ({marker: sent at}, failed posts)."""
    from meta.standin.delivery import meta_json
    from meta.webhooks import sign_body

    sent: dict[str, float] = {}
    failures: list[int | str] = []  # a status code, or why the post did not arrive
    http = requests.Session()
    http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=16))

    def post(body: bytes, marker: str) -> None:
        try:
            response = http.post(
                base + "/webhooks/facebook/",
                data=body,
                timeout=30,
                headers={
                    "Content-Type": "application/json",
                    "X-Hub-Signature-256": sign_body(body, SECRET),
                },
            )
            if response.status_code != 200:
                failures.append(response.status_code)
        except requests.RequestException as exc:
            failures.append(str(exc))

    count = int(rate * seconds)
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        for i in range(count):
            body, marker = traffic.next()
            body = meta_json(body)
            # Latency counts from when the platform sends, even if our server keeps it waiting.
            sent[marker] = start + i / rate
            delay = sent[marker] - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(post, body, marker)
    return sent, len(failures)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def agent_session(user) -> str:
    """A logged-in session for `user` in the shared session store; returns its key."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def run_rate(url: str, rate: float, seconds: float, poll: float, drain: float) -> dict:
    from accounts.models import User
    from inbox.models import InboundEvent
    from switchboard.celery import app

    from . import traffic as traffic_module

    queue = os.environ["CELERY_QUEUE"]
    env = {**services.environment(url, queue=queue), "META_APP_SECRET": SECRET}
    port = services.free_port()
    base = f"http://127.0.0.1:{port}"
    user, _ = User.objects.get_or_create(username="bench-agent", defaults={"first_name": "Bench"})
    traffic = traffic_module.for_database(seed=int(rate))
    app.control.purge()
    before = InboundEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with services.gunicorn(env, port=port) as _web, services.celery_worker(env) as worker:
        watcher = Watcher(base, agent_session(user), poll)
        watcher.start()
        started = time.monotonic()
        sent, failed_posts = post_at_rate(base, traffic, rate, seconds)
        posted = time.monotonic()  # every webhook answered
        backlog_at_end = (
            InboundEvent.objects.filter(pk__gt=before)
            .exclude(state__in=worker_bench.FINISHED)
            .count()
        )
        deadline = posted + drain
        while time.monotonic() < deadline and len(watcher.seen.keys() & sent.keys()) < len(sent):
            time.sleep(0.2)
        watcher.stopping.set()
        watcher.join()
        rss = services.resident_mb(worker.pid)
    shown = {m: watcher.seen[m] - sent[m] for m in sent if m in watcher.seen}
    late = InboundEvent.objects.filter(pk__gt=before).exclude(state="done").count()
    return {
        "rate": rate,
        "sent": len(sent),
        "failed_posts": failed_posts,
        "shown": len(shown),
        "p50": statistics.median(shown.values()) if shown else float("nan"),
        "p95": percentile(list(shown.values()), 0.95) if shown else float("nan"),
        "max": max(shown.values(), default=float("nan")),
        "accepted_per_s": len(sent) / (posted - started),
        "backlog_at_end": backlog_at_end,
        "not_done": late,
        "reloads": watcher.reloads,
        "poll_errors": len(watcher.errors),
        "first_poll_error": next(iter(watcher.errors), ""),
        "worker_rss_mb": rss,
    }


def main() -> list[dict]:
    size = int(os.environ.get("BENCH_E2E_SIZE", "1000000"))
    rates = [float(r) for r in os.environ.get("BENCH_E2E_RATES", "20,50").split(",")]
    seconds = float(os.environ.get("BENCH_E2E_SECONDS", "60"))
    poll = float(os.environ.get("BENCH_E2E_POLL_MS", "1000")) / 1000
    drain = float(os.environ.get("BENCH_E2E_DRAIN_SECONDS", "60"))
    url = worker_bench.setup(size, queue="bench-e2e")
    from channels_fb.standin import GraphStandin
    from inbox import ingest
    from inbox.models import Message
    from switchboard.celery import app
    from switchboard.standin_server import served

    from .seed import page_channel

    results = []
    with served(GraphStandin()) as graph:
        channel = page_channel(api_base_url=graph.url)
        app.control.purge()  # what a stopped run left queued, and its channel's mark:
        ingest.clear_pending(channel.pk)  # the first webhooks would wait for the sweep
        for rate in rates:
            print(f"-- {rate:g} events/s for {seconds:g}s", flush=True)
            results.append(run_rate(url, rate, seconds, poll, drain))
            print(results[-1], flush=True)
        graph.webhooks.stop()
    print(
        f"\nwebhook → visible in an open inbox (Open folder, live feed polled every "
        f"{poll * 1000:.0f} ms as the page does)\n{Message.objects.count():,} messages; "
        f"gunicorn -w 2, one cold celery worker, PostgreSQL + Redis\n"
    )
    print(
        "shown: visible before the watch ended (BENCH_E2E_DRAIN_SECONDS after the last "
        "webhook was answered); p50/p95/max over those; accepted/s: webhooks answered per "
        "second; backlog: events not processed when the last webhook was answered\n"
    )
    print(
        f"{'events/s':>8} {'sent':>5} {'accepted/s':>10} {'shown':>6} {'p50 s':>6} "
        f"{'p95 s':>6} {'max s':>6} {'backlog':>8} {'not done':>9} {'errors':>7} "
        f"{'worker MB':>10}"
    )
    for r in results:
        print(
            f"{r['rate']:>8g} {r['sent']:>5} {r['accepted_per_s']:>10.1f} {r['shown']:>6} "
            f"{r['p50']:>6.2f} {r['p95']:>6.2f} {r['max']:>6.2f} {r['backlog_at_end']:>8} "
            f"{r['not_done']:>9} {r['failed_posts']:>7} {r['worker_rss_mb']:>10.0f}"
        )
    return results


if __name__ == "__main__":
    main()
