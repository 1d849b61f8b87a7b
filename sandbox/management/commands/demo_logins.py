from django.core.management.base import BaseCommand

from sandbox import logins


class Command(BaseCommand):
    help = "Print the demo's URL and logins (made once by setup_demo, kept under var/)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    def handle(self, *args, url, **options):
        if not logins.path().exists():
            self.stderr.write("No demo yet: `make run` makes its logins.")
            return
        passwords, _ = logins.load()
        self.stdout.write(logins.describe(passwords, url=url))
