"""Forms of the managers' settings pages: SLA policies and business hours with a week grid."""

from __future__ import annotations

import re
from datetime import date
from zoneinfo import available_timezones

from django import forms

from inbox.connectors import registry
from inbox.models import ConversationKind, Priority

from .hours import ScheduleError, parse_schedule
from .models import BusinessHours, SlaPolicy

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
# Two intervals a day cover a lunch break; "24:00" closes at midnight.
INTERVALS_PER_DAY = 2
_TIME = re.compile(r"^\d{1,2}:\d{2}$")


def _any(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


class SlaPolicyForm(forms.ModelForm):
    channel_kind = forms.ChoiceField(required=False, label="Platform")
    conversation_kind = forms.ChoiceField(
        required=False, label="Kind", choices=_any("every kind", ConversationKind.choices)
    )
    priority = forms.ChoiceField(required=False, choices=_any("every priority", Priority.choices))

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "enabled",
            "channel_kind",
            "conversation_kind",
            "priority",
            "first_response_minutes",
            "next_response_minutes",
            "due_soon_minutes",
            "business_time",
            "business_hours",
        ]
        labels = {
            "first_response_minutes": "First response within (minutes)",
            "next_response_minutes": "Next response within (minutes)",
            "due_soon_minutes": "Due soon (minutes before)",
            "business_time": "Count business hours only",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel_kind"].choices = _any(
            "every platform", [(c.kind, c.label) for c in registry.all()]
        )
        self.fields["business_hours"].empty_label = "the team's, else the default hours"

    def clean(self):
        data = super().clean()
        for name in ("first_response_minutes", "next_response_minutes"):
            if data.get(name) == 0:
                self.add_error(name, "A target of 0 minutes is breached at once; give 1 or more.")
        due_soon, first = data.get("due_soon_minutes"), data.get("first_response_minutes")
        if due_soon and first and due_soon >= first:
            self.add_error(
                "due_soon_minutes", "Due soon must be shorter than the first response target."
            )
        return data


def _parse_holidays(text: str) -> list[tuple[date, str]]:
    """One per line: "2026-12-24 Christmas Eve"; blank lines ignored."""
    found: dict[date, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day, _, name = line.partition(" ")
        try:
            when = date.fromisoformat(day)
        except ValueError:
            raise forms.ValidationError(
                f"Line {number}: {day!r} is not a date like 2026-12-24."
            ) from None
        found[when] = name.strip()[:100]
    return sorted(found.items())


class BusinessHoursForm(forms.ModelForm):
    """Name, team, time zone, a week grid (two intervals per day) and holidays."""

    timezone = forms.ChoiceField(label="Time zone")
    holidays = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Closed days, one per line: 2026-12-24 Christmas Eve",
    )

    class Meta:
        model = BusinessHours
        fields = ["name", "team", "timezone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["timezone"].choices = [(z, z) for z in sorted(available_timezones())]
        self.fields["team"].empty_label = "none: the default hours"
        self.fields["team"].required = False
        if self.instance.pk and not self.is_bound:
            self.initial["holidays"] = "\n".join(
                f"{h.date.isoformat()} {h.name}".strip() for h in self.instance.holidays.all()
            )
        self.grid = self._grid()

    def _grid(self) -> list[dict]:
        """The week as rows: weekday, label, and its intervals as (start, end) text."""
        schedule = self.instance.schedule or {}
        rows = []
        for weekday, label in enumerate(WEEKDAYS):
            if self.is_bound:
                cells = [
                    (
                        self.data.get(f"d{weekday}-{n}-start", "").strip(),
                        self.data.get(f"d{weekday}-{n}-end", "").strip(),
                    )
                    for n in range(INTERVALS_PER_DAY)
                ]
            else:
                intervals = (
                    schedule.get(str(weekday), [])
                    if schedule
                    else ([["09:00", "17:00"]] if weekday < 5 else [])
                )
                cells = [
                    tuple(intervals[n]) if n < len(intervals) else ("", "")
                    for n in range(INTERVALS_PER_DAY)
                ]
            rows.append(
                {
                    "weekday": weekday,
                    "label": label,
                    "cells": [{"n": n, "start": s, "end": e} for n, (s, e) in enumerate(cells)],
                }
            )
        return rows

    def clean_holidays(self):
        return _parse_holidays(self.cleaned_data.get("holidays", ""))

    def clean(self):
        data = super().clean()
        schedule: dict[str, list[list[str]]] = {}
        for row in self.grid:
            day = []
            for cell in row["cells"]:
                start, end = cell["start"], cell["end"]
                if not start and not end:
                    continue
                if not (_TIME.match(start) and _TIME.match(end)):
                    raise forms.ValidationError(
                        f"{row['label']}: give both times as HH:MM (24:00 for midnight)."
                    )
                day.append([start.zfill(5), end.zfill(5)])
            schedule[str(row["weekday"])] = day
        try:
            parse_schedule(schedule)
        except ScheduleError as exc:
            raise forms.ValidationError(f"Week: {exc}.") from None
        if not data.get("team"):
            other = BusinessHours.objects.filter(team__isnull=True).exclude(pk=self.instance.pk)
            if other.exists():
                raise forms.ValidationError(
                    f"{other.first()} already is the default hours; choose a team, or edit it."
                )
        if not any(schedule.values()):
            raise forms.ValidationError("Open at least one day; nothing would ever be due.")
        self.instance.schedule = schedule
        return data
