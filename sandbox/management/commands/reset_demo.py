import shutil
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Empty the demo's database, queues and schedule; keep the virtualenv, the demo's "
        "secrets and its logins (var/local-secrets.json, var/demo-logins.json)."
    )

    def handle(self, *args, **options):
        # flush works the same on SQLite and PostgreSQL and leaves the schema in place.
        call_command("flush", interactive=False, verbosity=0)
        cache.clear()  # folder counts and rate-limit budgets cached from the old data
        broker = Path(getattr(settings, "BROKER_DIR", settings.VAR_DIR / "broker"))
        if broker.is_dir():
            shutil.rmtree(broker)
            broker.mkdir()
        for name in ("celerybeat-schedule", "celerybeat-schedule.db", "demo.log"):
            (Path(settings.VAR_DIR) / name).unlink(missing_ok=True)
        self.stdout.write("Demo data cleared; `make run` starts it again with the same logins.")
