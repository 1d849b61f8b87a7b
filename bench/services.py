"""The processes a benchmark measures: a real Celery worker and a real gunicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Service(subprocess.Popen[bytes]):
    """A started worker or web process; `log` is the file its stdout and stderr go to."""

    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(database_url: str, *, queue: str) -> dict[str, str]:
    """What the worker and web processes need to share this process's database and broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DATABASE_URL": database_url,
        "CELERY_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
    }


def _wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            raise RuntimeError(f"process exited early:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    raise RuntimeError(f"not ready after {timeout}s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def celery_worker(env: dict, *, concurrency: int = 1, wait_ready: bool = True) -> Iterator[Service]:
    """`celery worker` with `concurrency` pool processes on env's queue; yields the Popen."""
    log = Path(tempfile.mkstemp(prefix="bench-worker-", suffix=".log")[1])
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "switchboard",
        "worker",
        "-c",
        str(concurrency),
        "-P",
        "prefork",
        "-Q",
        env["CELERY_QUEUE"],
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-l",
        "info",
        "-n",
        f"bench-{os.getpid()}@%h",
    ]
    with open(log, "w") as out:
        process = Service(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    process.log = log
    try:
        if wait_ready:
            _wait_for(log, " ready.", process, timeout=120)
        yield process
    finally:
        _stop(process)


@contextlib.contextmanager
def gunicorn(env: dict, *, port: int, workers: int = 2) -> Iterator[Service]:
    """The web app under gunicorn (sync workers), as production serves it."""
    log = Path(tempfile.mkstemp(prefix="bench-web-", suffix=".log")[1])
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "switchboard.wsgi:application",
        "-w",
        str(workers),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "info",
    ]
    with open(log, "w") as out:
        process = Service(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    process.log = log
    try:
        _wait_for(log, "Booting worker", process, timeout=60)
        yield process
    finally:
        _stop(process)


def _tree(pid: int) -> list[int]:
    found, pids = [], [pid]
    while pids:
        current = pids.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        found.append(current)
        pids.extend(int(c) for c in children)
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes: what they cost, whatever else runs."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def worker_cpu_seconds(pid: int) -> float:
    return cpu_seconds(_tree(pid))


def run_queue_seconds(pids: list[int]) -> float:
    """Time these processes' threads were ready to run but waited for a CPU (the second
    field of /proc/PID/task/TID/schedstat): on a shared machine, where wall clock goes."""
    total = 0
    for pid in pids:
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                total += int((task / "schedstat").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
    return total / 1e9


def worker_run_queue_seconds(pid: int) -> float:
    return run_queue_seconds(_tree(pid))


def database_run_queue_seconds() -> float:
    """Run-queue wait of the PostgreSQL backends serving this database, other than our own."""
    return run_queue_seconds(_database_pids())


def _database_pids() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


def database_cpu_seconds() -> float:
    """CPU time of the PostgreSQL backends serving this database, other than our own."""
    return cpu_seconds(_database_pids())


def resident_mb(pid: int) -> float:
    """Resident memory of a process and its children (the worker's pool), in MB."""
    total = 0
    pids = [pid]
    while pids:
        current = pids.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        total += next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
        )
        pids.extend(int(c) for c in children)
    return total / 1024
