"""The demo restarted on the same database keeps its logins and its live traffic.

Before, a restarted stand-in handed out the platform ids it had handed out the first time:
the app took new tweets and comments for ones it already had (X's poller even asks only for
ids after the newest it stored), so live traffic quietly stopped. This runs `rundemo` twice
on one database, as `make run` does, and looks for new customer items from each platform
within 30 s of the restart. The demo's own SQLite and file broker live in a temporary var/.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import requests
from django.conf import settings

from channels_tw.standin.demo import BRAND_ID
from tests.support.worker import free_port, wait_until

INBOUND_PER_KIND = """
    SELECT c.kind, COUNT(*) FROM inbox_message m JOIN inbox_channel c ON c.id = m.channel_id
    WHERE m.direction = 'in' GROUP BY c.kind"""


def inbound(var_dir) -> dict[str, int]:
    try:
        with sqlite3.connect(var_dir / "switchboard.sqlite3", timeout=5) as db:
            return dict(db.execute(INBOUND_PER_KIND).fetchall())
    except sqlite3.OperationalError:  # locked by a writer, or not migrated yet
        return {}


def stored_x_ids(var_dir) -> set[str]:
    with sqlite3.connect(var_dir / "switchboard.sqlite3", timeout=5) as db:
        return {
            row[0]
            for row in db.execute(
                "SELECT m.external_id FROM inbox_message m JOIN inbox_channel c"
                " ON c.id = m.channel_id WHERE c.kind = 'x' AND m.direction = 'in'"
            )
        }


def x_customer_items(env) -> set[str]:
    """Ids of the tweets and DMs customers made on the X stand-in since it started."""
    port = env["SWITCHBOARD_CHANNELS_TW_STANDIN_PORT"]
    try:
        state = requests.get(f"http://127.0.0.1:{port}/_standin/state", timeout=5).json()
    except requests.RequestException:
        return set()
    return {t["id"] for t in state["tweets"] if t["author_id"] != BRAND_ID} | {
        e["id"] for e in state["dm_events"] if e["sender_id"] != BRAND_ID
    }


def demo_env(var_dir) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        "SWITCHBOARD_VAR_DIR": str(var_dir),
        "SWITCHBOARD_DEMO": "1",
        "DEBUG": "0",
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "SECRET_KEY",
        "META_APP_SECRET",
        "META_VERIFY_TOKEN",
        "X_CONSUMER_SECRET",
    ):
        env.pop(name, None)
    # Ports of its own, so it never meets a demo someone is running on 8000 and 81xx.
    for app in ("CHANNELS_FB", "CHANNELS_IG", "CHANNELS_TW"):
        env[f"SWITCHBOARD_{app}_STANDIN_PORT"] = str(free_port())
    return env


class Demo:
    def __init__(self, env: dict, port: int, *, interval: float):
        self.process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "rundemo",
                "--addr",
                f"127.0.0.1:{port}",
                "--interval",
                str(interval),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def stop(self) -> str:
        """Ctrl+C, as a person stops it; returns what it printed."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            output, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            output, _ = self.process.communicate()
        return output


def test_a_restarted_demo_sees_new_live_items_from_every_platform_within_30_seconds(tmp_path):
    env = demo_env(tmp_path)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    port = free_port()
    kinds = {"facebook", "instagram", "x"}

    # A stand-in that started its ids over would repeat the ones this run stored.
    first = Demo(env, port, interval=1)
    try:
        wait_until(
            lambda: (
                kinds <= {k for k, n in inbound(tmp_path).items() if n >= 2}
                and inbound(tmp_path)["x"] >= 5
            ),
            timeout=120,
            message="the first run's traffic from every platform",
        )
    finally:
        first_output = first.stop()
    before = inbound(tmp_path)
    x_before = stored_x_ids(tmp_path)

    again = Demo(env, port, interval=2)
    try:
        restarted = time.monotonic()
        wait_until(
            lambda: all(inbound(tmp_path).get(k, 0) > before[k] for k in kinds),
            timeout=30 + 15,  # 30 s of traffic after the demo answers (~15 s to boot)
            message=f"new items after the restart (had {before}, now {inbound(tmp_path)})",
        )
        took = time.monotonic() - restarted
        # The tweets and DMs the restarted X stand-in makes have ids of their own, and reach
        # the inbox.
        wait_until(
            lambda: len(x_customer_items(env)) >= 3,
            timeout=30,
            message="customer items on the restarted X stand-in",
        )
        made = x_customer_items(env)
        assert not made & x_before, "the restarted X stand-in reused ids already stored"
        wait_until(
            lambda: made & stored_x_ids(tmp_path),
            timeout=30,
            message="the restarted X stand-in's items in the inbox",
        )
    finally:
        second_output = again.stop()

    print(f"new items from every platform {took:.1f} s after the restart")
    # The same logins both times, printed last, after the log file's name.
    assert "admin" in first_output and first_output.count("Demo ready at") == 1
    logins = first_output[first_output.index("Demo ready at") :].splitlines()[:6]
    assert second_output[second_output.index("Demo ready at") :].splitlines()[:6] == logins
    assert "celery" not in first_output.lower()  # the workers' noise went to var/demo.log
    assert (tmp_path / "demo.log").stat().st_size > 0
