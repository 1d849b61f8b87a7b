"""Cold start of a real prefork `celery worker`: when it is ready, how long the first
customer message takes to be classified, how long the next ones take, and the worker's memory.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/switchboard_bench \\
    REDIS_URL=redis://127.0.0.1:6379/0 python -m bench.worker_start [messages]

Not part of `python -m bench` (it starts processes and migrates the database it is given).
Each message is a signed Testchat webhook, posted when the one before is classified; its
latency runs from the post to the message's intent being stored (includes ~20 ms polling).
Memory: RSS of each worker process from `ps`, and PSS (shared pages split between the
processes that share them) from /proc/<pid>/smaps_rollup: prefork children share the models.
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path


def _pss_mb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) // 1024
    return 0


def main(messages: int = 6) -> None:
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    os.environ.update(
        DJANGO_SETTINGS_MODULE="tests.settings", CELERY_TASK_ALWAYS_EAGER="0", CELERY_QUEUE=queue
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from inbox.models import Channel, Message
    from tests.support.testchat_events import ACCOUNT, event, post_events

    setup_test_environment()
    call_command("migrate", verbosity=0)
    Channel.objects.get_or_create(
        kind="testchat",
        external_id=ACCOUNT,
        defaults={"name": "bench", "api_base_url": "http://127.0.0.1:9"},
    )
    log_path = Path(f"/tmp/worker-{queue}.log")
    started = time.monotonic()
    with open(log_path, "wb") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "switchboard",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-Q",
                f"{queue},{queue}.upkeep",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        while b"ready." not in log_path.read_bytes():
            if worker.poll() is not None:
                raise RuntimeError(log_path.read_text())
            time.sleep(0.05)
        ready = time.monotonic() - started
        client, run = Client(), uuid.uuid4().hex[:6]
        latencies = []
        for i in range(messages):
            posted = time.monotonic()
            post_events(
                client,
                event(
                    f"{run}-{i}",
                    thread=f"{run}-t{i}",
                    ts=1_700_000_000 + i,
                    text=f"where is my order {i}? still nothing",
                ),
            )
            while not Message.objects.filter(
                external_id=f"{run}-{i}", extra__has_key="intent"
            ).exists():
                if time.monotonic() - posted > 120:
                    raise RuntimeError("message not classified in 120 s")
                time.sleep(0.02)
            latencies.append(time.monotonic() - posted)
        ps = subprocess.run(
            ["ps", "-o", "pid=,rss=", "--ppid", str(worker.pid), "-p", str(worker.pid)],
            capture_output=True,
            text=True,
        ).stdout.split()
        memory = [
            (int(pid), int(rss) // 1024, _pss_mb(int(pid)))
            for pid, rss in zip(ps[::2], ps[1::2], strict=True)
        ]
    finally:
        worker.terminate()
        worker.wait(30)
    print(f"worker ready after {ready:.1f} s")
    print(
        f"first message {latencies[0]:.2f} s; next "
        + ", ".join(f"{x:.2f}" for x in latencies[1:])
        + " s"
    )
    for pid, rss, pss in memory:
        print(f"  {'main' if pid == worker.pid else 'child'} {pid}: RSS {rss} MB, PSS {pss} MB")
    for line in log_path.read_text().splitlines():
        if "classifier loaded" in line:
            print(" ", line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
