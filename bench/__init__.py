"""Benchmarks: `python -m bench` runs every bench/*_bench.py module's main()."""

import os
import tempfile

_ready = False


def setup_django() -> None:
    """Django on a throwaway, migrated SQLite database (unless DATABASE_URL is set).

    Uses the test settings, so the small Testchat connector is registered and Celery runs
    inline. Safe to call from several benchmarks in one process.
    """
    global _ready
    if _ready:
        return
    from django.apps import apps

    if apps.ready:  # another benchmark in this run set Django up with its own settings
        _ready = True
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    if not os.environ.get("DATABASE_URL"):
        folder = tempfile.mkdtemp(prefix="switchboard-bench-")
        os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the database cache, without Redis
    _ready = True
