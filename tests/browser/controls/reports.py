"""The reports page."""

from ._tests import C_REPORTS, REPORTS_LINKS

PAGES = {"reports:report"}

_sort = REPORTS_LINKS + "test_the_leaderboard_sorts_by_the_heading_clicked"
_more = C_REPORTS + "test_the_other_leaderboard_headings_sort_by_their_column"
_csv = REPORTS_LINKS + "test_every_csv_link_returns_the_table_shown"

CONTROLS: dict[str, list[str]] = {
    "reports:report | button | Show": [REPORTS_LINKS + "test_the_filters_change_the_charts"],
    "reports:report | link | Download CSV": [_csv],
    "reports:report | link | CSV": [_csv],
    "reports:report | link | Name": [_sort],
    "reports:report | link | Replies": [_sort],
    "reports:report | link | Closed": [_sort],
    "reports:report | link | Conversations handled": [_more],
    "reports:report | link | First response (median)": [_more],
    "reports:report | link | Next response (median)": [_more],
    "reports:report | link | Reopened after close": [_more],
}
