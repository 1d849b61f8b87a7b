"""Formatting for report figures: durations as "2 h 05 min", shares as "83 %"."""

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = round(value.total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s" if minutes < 10 and seconds else f"{minutes} min"
    return f"{seconds} s"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


@register.filter
def cell(value) -> str:
    """A table cell as the page shows it: durations and shares formatted, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, timedelta):
        return duration(value)
    if isinstance(value, float):
        return percent(value)
    return str(value)
