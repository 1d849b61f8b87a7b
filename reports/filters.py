"""What a report covers: a date range in the site's time zone, optionally one channel or team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from inbox.models import Channel

DEFAULT_DAYS = 7
MAX_DAYS = 366  # the by-day table has a row per day


@dataclass(frozen=True)
class ReportScope:
    date_from: date
    date_to: date  # inclusive
    channel: Channel | None = None
    team: Team | None = None

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [self.date_from + timedelta(days=n)
                for n in range((self.date_to - self.date_from).days + 1)]

    def conversations_q(self, prefix: str = "") -> Q:
        """Conversations whose first customer message falls in the range (spam left out)."""
        q = Q(**{f"{prefix}first_inbound_at__gte": self.start,
                 f"{prefix}first_inbound_at__lt": self.end,
                 f"{prefix}is_spam": False})
        if self.channel is not None:
            q &= Q(**{f"{prefix}channel": self.channel})
        if self.team is not None:
            q &= Q(**{f"{prefix}team": self.team})
        return q


def default_range(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class ReportForm(forms.Form):
    date_from = forms.DateField(label="From", required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))
    channel = forms.ModelChoiceField(queryset=Channel.objects.order_by("name"), required=False,
                                     empty_label="All channels")
    team = forms.ModelChoiceField(queryset=Team.objects.order_by("name"), required=False,
                                  empty_label="All teams")

    def clean(self):
        data = super().clean()
        default_from, default_to = default_range()
        date_to = data.get("date_to") or default_to
        date_from = data.get("date_from") or min(default_from, date_to)
        if date_from > date_to:
            raise forms.ValidationError("The range ends before it starts.")
        if (date_to - date_from).days >= MAX_DAYS:
            raise forms.ValidationError(f"Choose at most {MAX_DAYS} days.")
        data["date_from"], data["date_to"] = date_from, date_to
        return data

    def scope(self) -> ReportScope:
        data = self.cleaned_data
        return ReportScope(date_from=data["date_from"], date_to=data["date_to"],
                           channel=data.get("channel"), team=data.get("team"))
