"""What a report covers: a date range in the site's time zone, optionally one channel, tag,
team or agent (the conversation's assignee)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team, User
from inbox.models import Channel, Conversation, Tag

DEFAULT_DAYS = 7
MAX_DAYS = 366  # the by-day table has a row per day


@dataclass(frozen=True)
class ReportScope:
    date_from: date
    date_to: date  # inclusive
    channel: Channel | None = None
    team: Team | None = None
    tag: Tag | None = None
    agent: User | None = None

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.date_from, time.min))

    @property
    def end(self) -> datetime:
        """Exclusive: midnight after the last day."""
        return timezone.make_aware(datetime.combine(self.date_to + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [
            self.date_from + timedelta(days=n)
            for n in range((self.date_to - self.date_from).days + 1)
        ]

    def conversations_q(self, prefix: str = "") -> Q:
        """Conversations whose first customer message falls in the range (spam left out)."""
        q = Q(
            **{
                f"{prefix}first_inbound_at__gte": self.start,
                f"{prefix}first_inbound_at__lt": self.end,
                f"{prefix}is_spam": False,
            }
        )
        if self.channel is not None:
            q &= Q(**{f"{prefix}channel": self.channel})
        if self.team is not None:
            q &= Q(**{f"{prefix}team": self.team})
        if self.agent is not None:
            q &= Q(**{f"{prefix}assignee": self.agent})
        if self.tag is not None:
            # A subquery, not a join: a join on tags would repeat nothing here (one row per
            # conversation and tag), but it would clash with the by-tag table's own join.
            tagged = Conversation.tags.through.objects.filter(tag=self.tag)
            q &= Q(**{f"{prefix}id__in": tagged.values("conversation_id")})
        return q

    def describe(self) -> list[tuple[str, str]]:
        """The filters as (name, value) pairs, for the CSV files and the page's caption."""
        return [
            ("from", self.date_from.isoformat()),
            ("to", self.date_to.isoformat()),
            ("channel", self.channel.name if self.channel else "all"),
            ("tag", self.tag.name if self.tag else "all"),
            ("team", self.team.name if self.team else "all"),
            ("agent", self.agent.display_name if self.agent else "all"),
        ]


def default_range(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class AgentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name


class ReportForm(forms.Form):
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ModelChoiceField(
        queryset=Channel.objects.order_by("name"), required=False, empty_label="All channels"
    )
    tag = forms.ModelChoiceField(
        queryset=Tag.objects.order_by("name"), required=False, empty_label="All tags"
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="All teams"
    )
    agent = AgentChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("first_name", "username"),
        required=False,
        empty_label="All agents",
        label="Assignee",
    )

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
        return ReportScope(
            date_from=data["date_from"],
            date_to=data["date_to"],
            channel=data.get("channel"),
            team=data.get("team"),
            tag=data.get("tag"),
            agent=data.get("agent"),
        )
