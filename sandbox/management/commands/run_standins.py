import random
import threading
import time

from django.core.management.base import BaseCommand

from sandbox.standins import demo_standins
from switchboard.standin_server import serve_in_thread


class Command(BaseCommand):
    help = "Serve every channel's stand-in on its demo port and make them produce traffic."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=8.0,
            help="Seconds between customer items (per stand-in, on average).",
        )
        parser.add_argument(
            "--backlog",
            type=int,
            default=12,
            help="Customer items produced at once, so the inbox starts busy.",
        )
        parser.add_argument("--no-traffic", action="store_true")

    def handle(self, *args, interval, backlog, no_traffic, **options):
        running = []
        for standin in demo_standins():
            app = standin.module.create_app()
            serve_in_thread(app, port=standin.port)
            running.append((standin, app))
            self.stdout.write(f"stand-in {standin.app_label} on {standin.url}")
        if no_traffic:
            threading.Event().wait()
        rng = random.Random()
        # Webhooks that find the web process not yet up are retried by the stand-ins, as
        # Meta retries them, so the backlog can be made before the inbox is listening.
        for _ in range(backlog):
            self._tick(running, rng)
        while True:
            time.sleep(rng.expovariate(1 / interval) if interval else 1)
            self._tick(running, rng)

    def _tick(self, running, rng) -> None:
        standin, app = rng.choice(running)
        try:
            standin.module.traffic_tick(app, rng)
        except Exception as exc:  # the demo keeps going; the stand-in logs its own errors
            self.stderr.write(f"traffic on {standin.app_label} failed: {exc}")
