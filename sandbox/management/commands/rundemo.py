import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from sandbox.standins import demo_settings


class Command(BaseCommand):
    help = "Serve the demo: web, Celery worker and beat, and the stand-ins with live traffic."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument(
            "--interval",
            default="8",
            help="Seconds between customer items, per stand-in on average.",
        )
        parser.add_argument(
            "--log",
            default=str(settings.VAR_DIR / "demo.log"),
            help="Where the processes' output goes ('-': this terminal).",
        )

    def handle(self, *args, addr, interval, log, **options):
        url = f"http://{addr}/"
        setup = StringIO()
        call_command("setup_demo", url=url, stdout=setup)
        python = sys.executable
        # The stand-ins play the platforms, OAuth consent pages included.
        env = {
            "SWITCHBOARD_WEBHOOK_BASE": url.rstrip("/"),
            "DEMO_SITE_URL": url.rstrip("/"),
            **os.environ,
            "SWITCHBOARD_DEMO": "1",
            **demo_settings(),
        }
        # One worker process is plenty for the demo and keeps SQLite writes calm.
        processes = {
            "standins": [python, "manage.py", "run_standins", "--interval", interval],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "switchboard",
                "worker",
                "--pool=solo",
                "--loglevel=WARNING",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "switchboard",
                "beat",
                "--loglevel=WARNING",
                "--schedule",
                settings.CELERY_BEAT_SCHEDULE_FILENAME,
            ],
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
        }
        # The workers' banners and request lines go to the log, so the URL and the logins
        # stay the last thing on the screen.
        output = None if log == "-" else open(log, "a")  # noqa: SIM115 - open for the run
        if output is not None:
            self.stdout.write(f"starting web, worker, beat and stand-ins; their output: {log}")
        children = {
            name: subprocess.Popen(
                cmd,
                cwd=settings.BASE_DIR,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT if output else None,
            )
            for name, cmd in processes.items()
        }
        try:
            self._wait_for(url, children)
            if all(child.poll() is None for child in children.values()):
                self.stdout.write(
                    "\n" + setup.getvalue().rstrip() + "\n  Ctrl+C stops everything.\n"
                )
            while all(child.poll() is None for child in children.values()):
                time.sleep(1)
            dead = [name for name, child in children.items() if child.poll() is not None]
            self.stderr.write(
                f"{', '.join(dead)} stopped; shutting the demo down"
                + (f" (see {log})" if output else "")
            )
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
            if output is not None:
                output.close()

    @staticmethod
    def _wait_for(url: str, children: dict, timeout: float = 60) -> None:
        """Until the web process answers (any status), or a process died, or time is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(child.poll() is not None for child in children.values()):
                return
            try:
                urllib.request.urlopen(f"{url}login/", timeout=2).close()  # noqa: S310 - ours
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
