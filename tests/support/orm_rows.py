"""The inbox's rows through the ORM: the definition inbox/list_sql.py's hand-written SQL is
checked against (tests/integration/test_list_sql.py). Kept here, not in the app, because
nothing but that test reads rows this way any more."""

from __future__ import annotations

from django.db.models import QuerySet

from inbox import paging, selectors
from inbox.models import Conversation

# The columns the inbox's rows show (inbox_ui.prepare_rows) and page by (inbox/paging.py),
# of the conversation and the rows it joins: a third of the columns, and of Django's work
# building the query and the rows (issue 10).
LIST_ROW_FIELDS = (
    "channel__kind",
    "channel__name",
    "contact__name",
    "kind",
    "state",
    "priority",
    "preview",
    "language",
    "intent",
    "last_message_at",
    "sla_due_at",
    "sla_due_soon_at",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "team__name",
)


def list_rows(qs: QuerySet[Conversation], user) -> QuerySet[Conversation]:
    """`with_row_data` for the inbox list: only what its rows show."""
    return selectors.with_row_data(qs, user).only(*LIST_ROW_FIELDS)


def orm_inbox_rows(params: selectors.ListParams, user) -> tuple[list[Conversation], str]:
    """`selectors.inbox_rows` through the ORM."""
    qs = paging.ordered(selectors.filtered_conversations(params, user), params.sort)
    qs = list_rows(paging.rows_after(qs, params.sort, params.after), user)
    rows = list(qs[: selectors.PAGE_SIZE + 1])
    more = len(rows) > selectors.PAGE_SIZE
    rows = selectors.with_tags(rows[: selectors.PAGE_SIZE])
    return rows, paging.cursor_after(rows[-1], params.sort) if more else ""
