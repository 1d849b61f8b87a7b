from django.core.management.base import BaseCommand

from rules.seed import seed_rules


class Command(BaseCommand):
    help = "Create the example response scheme (rules, SLA policies, business hours)."

    def handle(self, *args, **options):
        created = seed_rules()
        for line in created:
            self.stdout.write(f"created {line}")
        if not created:
            self.stdout.write("the example response scheme is already there")
