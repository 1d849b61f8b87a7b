"""Build the report's daily rollups again from the raw rows (reports.rollups)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand
from django.db.models import Min
from django.utils import timezone

from inbox.models import Conversation
from reports.rollups import store_day


class Command(BaseCommand):
    help = "Build the daily report rollups of past days again (default: every past day)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat)
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat)

    def handle(self, *args, date_from=None, date_to=None, **options):
        yesterday = timezone.localdate() - timedelta(days=1)
        date_to = min(date_to or yesterday, yesterday)  # today is always read live
        if date_from is None:
            first = Conversation.objects.aggregate(first=Min("first_inbound_at"))["first"]
            if first is None:
                self.stdout.write("No conversations: nothing to build.")
                return
            date_from = timezone.localdate(first)
        day, days, rows = date_from, 0, 0
        while day <= date_to:
            rows += store_day(day)
            days += 1
            day += timedelta(days=1)
        self.stdout.write(f"Built {days} days, {rows} rollup rows.")
