"""Real worker and web processes against the test database and a chosen broker."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection

from inbox import queueing
from switchboard.celery import app as celery_app


def database_url() -> str:
    """The URL of the test database this process uses, for a subprocess to share it."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(s['NAME']).resolve()}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def shared_broker_url(processes: str) -> str:
    """The Redis URL for tests whose `processes` (e.g. "two worker processes") share one
    PostgreSQL and one Redis, as docker-compose scales them; skips where either is missing
    (CI has both)."""
    import pytest

    if connection.vendor != "postgresql" or not os.environ.get("REDIS_URL"):
        pytest.skip(f"{processes} share PostgreSQL and Redis (CI)")
    return os.environ["REDIS_URL"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_connections() -> None:
    """Forget the app's broker connections so the next publish uses the current broker_url.

    The pools are dropped, not closed: kombu shares producer pools between equal URLs.
    """
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    queueing.reset()


@contextlib.contextmanager
def queueing_for_real(broker_url: str):
    """Switch this process from eager tasks to publishing on `broker_url`, on a private queue.

    Yields the environment a worker subprocess needs to consume that queue.
    """
    queue = f"test-{uuid.uuid4().hex[:8]}"
    conf = celery_app.conf
    saved = {
        k: conf[k]
        for k in (
            "task_always_eager",
            "broker_url",
            "task_default_queue",
            "broker_transport_options",
        )
    }
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if broker_url.startswith("filesystem"):
        folder = tempfile.mkdtemp(prefix="broker-")
        options = {
            "data_folder_in": folder,
            "data_folder_out": folder,
            "control_folder": f"{folder}/control",
            "store_processed": False,
        }
    conf.update(
        task_always_eager=False,
        broker_url=broker_url,
        task_default_queue=queue,
        broker_transport_options=options,
    )
    _reset_connections()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_QUEUE": queue,
    }
    if broker_url.startswith("filesystem"):
        env["SWITCHBOARD_BROKER_DIR"] = options["data_folder_in"]
    try:
        yield env
    finally:
        conf.update(saved)
        _reset_connections()


@contextlib.contextmanager
def celery_worker(env: dict, *, ready_timeout: float = 30, pool: str = "solo"):
    """A real `celery worker` process; yields once it reports ready."""
    log = tempfile.NamedTemporaryFile(prefix="worker-", suffix=".log", delete=False)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "switchboard",
            "worker",
            f"--pool={pool}",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        # No -Q: like a deployed worker it consumes the queues the settings declare, the
        # private CELERY_QUEUE and its upkeep queue.
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + ready_timeout
        while b"ready." not in Path(log.name).read_bytes():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("worker did not start:\n" + Path(log.name).read_text()[-3000:])
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        process.output = Path(log.name).read_text()


def wait_until(predicate, *, timeout: float = 30, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.2)


@contextlib.contextmanager
def web_process(env: dict, *, ready_path: str = "/login/", timeout: float = 60):
    """`manage.py runserver` in a process of its own, as `make run` starts it; yields its
    base URL once `ready_path` answers 200, and stops it after."""
    import urllib.request

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(base + ready_path, timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    try:
        wait_until(answers, timeout=timeout, message=f"the web process on port {port}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
