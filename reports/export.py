"""The report as CSV rows: section, key, conversations, answered, value.

Cells that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) are
prefixed with a quote: channel and tag names come from outside
(https://owasp.org/www-community/attacks/CSV_Injection).
"""

from __future__ import annotations

from datetime import timedelta

from .selectors import Report
from .tables import Table

HEADER = ["section", "key", "conversations", "answered", "value"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, timedelta):
        return f"{value.total_seconds():.0f}"
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def rows(report: Report):
    for name, value in report.scope.describe():
        yield ["range", name, "", "", value]
    yield ["summary", "conversations", report.conversations, report.answered, report.response_rate]
    yield ["first_response_seconds", "median", "", "", report.first_response_median]
    yield ["first_response_seconds", "p90", "", "", report.first_response_p90]
    yield ["first_response_business_seconds", "median", "", "", report.business_median]
    yield ["first_response_business_seconds", "p90", "", "", report.business_p90]
    sla = report.sla
    yield ["sla_first_response", "met", sla.met, "", ""]
    yield ["sla_first_response", "missed", sla.missed, "", ""]
    yield ["sla_first_response", "pending", sla.pending, "", ""]
    yield ["sla_first_response", "without_policy", sla.without_policy, "", ""]
    yield ["sla_first_response", "attainment", "", "", sla.attainment]
    for section, table in (
        ("channel", report.by_channel),
        ("tag", report.by_tag),
        ("day", report.by_day),
        ("intent", report.by_intent),
        ("language", report.by_language),
    ):
        for row in table:
            yield [
                section,
                row.label if section == "channel" else row.key,
                row.conversations,
                row.answered,
                row.response_rate,
            ]


def write_report(writer, report: Report) -> None:
    writer.writerow(HEADER)
    for row in rows(report):
        writer.writerow([_cell(value) for value in row])


def write_table(writer, table: Table) -> None:
    """A chart's or table's own CSV: its header and rows, as the page's table shows them."""
    writer.writerow([_cell(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_cell(value) for value in row])
