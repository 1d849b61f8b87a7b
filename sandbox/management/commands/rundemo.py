import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the demo: web, Celery worker and beat, and the stand-ins with live traffic."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args, addr, **options):
        call_command("setup_demo")
        python = sys.executable
        env = {**os.environ, "SWITCHBOARD_DEMO": "1"}
        # One worker process is plenty for the demo and keeps SQLite writes calm.
        processes = {
            "standins": [python, "manage.py", "run_standins"],
            "worker": [python, "-m", "celery", "-A", "switchboard", "worker", "--pool=solo",
                       "--loglevel=WARNING"],
            "beat": [python, "-m", "celery", "-A", "switchboard", "beat", "--loglevel=WARNING",
                     "--schedule", settings.CELERY_BEAT_SCHEDULE_FILENAME],
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
        }
        children = {name: subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env)
                    for name, cmd in processes.items()}
        self.stdout.write(f"serving on http://{addr}/ — Ctrl+C stops everything")
        try:
            while all(child.poll() is None for child in children.values()):
                time.sleep(1)
            dead = [name for name, child in children.items() if child.poll() is not None]
            self.stderr.write(f"{', '.join(dead)} stopped; shutting the demo down")
        except KeyboardInterrupt:
            pass
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children.values():
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
