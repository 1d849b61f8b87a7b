"""Plain figures the report tables show: counted rows with their share for a CSS bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass
class Row:
    """One line of a volume table: how many conversations, how many answered."""

    key: str
    label: str
    conversations: int
    answered: int
    bar: int = 0  # percent of the largest line in its table, for the bar's width

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.conversations if self.conversations else None


def with_bars(rows: list[Row]) -> list[Row]:
    top = max((r.conversations for r in rows), default=0)
    for row in rows:
        row.bar = round(100 * row.conversations / top) if top else 0
    return rows


def percentile(sorted_values: list[timedelta], fraction: float) -> timedelta | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks."""
    if not sorted_values:
        return None
    position = fraction * (len(sorted_values) - 1)
    lower = int(position)
    upper = min(lower + 1, len(sorted_values) - 1)
    return interpolate(sorted_values[lower], sorted_values[upper], position - lower)


def interpolate(low: timedelta, high: timedelta, fraction: float) -> timedelta:
    return low + (high - low) * fraction


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
