"""The weekly summary e-mailed to managers: last week's figures in plain text, with a link
to the full report. Sent by beat on Monday morning (reports.tasks.send_weekly_summary) through
Django's e-mail backend (the console in the demo)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User

from .filters import ReportScope
from .people import people, ranked
from .responsiveness import responsiveness
from .selectors import report


def last_week(today: date | None = None) -> ReportScope:
    """Monday to Sunday of the week before `today`'s."""
    today = today or timezone.localdate()
    monday = today - timedelta(days=today.weekday() + 7)
    return ReportScope(date_from=monday, date_to=monday + timedelta(days=6))


def recipients() -> list[str]:
    managers = User.objects.filter(
        Q(role__in=[Role.MANAGER, Role.ADMIN]) | Q(is_superuser=True), is_active=True
    ).exclude(email="")
    return sorted(set(managers.values_list("email", flat=True)))


def summary(scope: ReportScope) -> tuple[str, str]:
    """(subject, body) of the summary for the range."""
    figures = report(scope)
    crew = people(scope)
    link = (
        settings.SITE_URL.rstrip("/")
        + reverse("reports:report")
        + (f"?date_from={scope.date_from}&date_to={scope.date_to}")
    )
    subject = f"Switchboard week of {scope.date_from:%d %b}: {figures.conversations} conversations"
    body = render_to_string(
        "reports/weekly_summary.txt",
        {
            "report": figures,
            "agents": ranked(crew.agents, "replies")[:5],
            "badges": responsiveness(),
            "link": link,
        },
    )
    return subject, body


def send_weekly_summary(today: date | None = None) -> int:
    """E-mail last week's summary to every active manager with an address; returns how many."""
    to = recipients()
    if not to:
        return 0
    subject, body = summary(last_week(today))
    # One message per manager, so nobody sees the others' addresses.
    return send_mass_mail([(subject, body, None, [address]) for address in to])
