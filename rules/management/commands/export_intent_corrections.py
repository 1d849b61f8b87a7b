"""Write the managers' intent corrections as JSONL, for retraining (never for scoring).

    manage.py export_intent_corrections [--output FILE] [--since YYYY-MM-DD]

Each line is {"text", "language", "intent", "predicted", "corrected_at", "source"}: the
format of rules/intent_data/train.jsonl plus where the row came from.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from rules.corrections import export_rows
from rules.models import IntentCorrection


class Command(BaseCommand):
    help = "Write intent corrections as JSONL (text, language, intent) for retraining."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")
        parser.add_argument("--since", help="only corrections made on or after this date")

    def handle(self, *args, output=None, since=None, **options):
        corrections = IntentCorrection.objects.order_by("created_at", "pk")
        if since:
            try:
                day = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"--since: {since!r} is not a date (YYYY-MM-DD)") from None
            corrections = corrections.filter(created_at__date__gte=day)
        lines = list(export_rows(corrections.iterator()))
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                fh.writelines(line + "\n" for line in lines)
            self.stderr.write(f"wrote {len(lines)} corrections to {output}")
        else:
            for line in lines:
                self.stdout.write(line)
