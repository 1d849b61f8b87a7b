"""Plain `manage.py migrate` leaves a working install, database cache table included."""

import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_plain_migrate_creates_the_database_cache_table(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    # No REDIS_URL: presence and live updates use the database cache.
    env = {
        "PATH": "/usr/bin:/bin",
        "SWITCHBOARD_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "SECRET_KEY": "test-only-secret-key-for-a-fresh-install",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    tables = {
        row[0]
        for row in sqlite3.connect(database).execute(
            "select name from sqlite_master where type = 'table'"
        )
    }
    assert "switchboard_cache" in tables
