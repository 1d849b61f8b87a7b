"""A conversation's thread through the ORM: the definition inbox/thread_sql.py's hand-written
SQL is checked against (tests/integration/test_thread_sql.py). Kept here, not in the app,
because nothing but that test reads the thread this way any more."""

from __future__ import annotations

from django.db.models import Prefetch

from inbox.models import Conversation, Message, OutboundAction


def thread_messages(conversation: Conversation) -> list[Message]:
    """The thread in platform order, each with its outbox actions: 2 queries."""
    actions = OutboundAction.objects.order_by("-id")
    # The channel too: the per-message action buttons ask its connector (no query per message).
    return list(
        conversation.messages.select_related("author_identity__contact", "author_agent", "channel")
        .defer("channel__credentials")
        .prefetch_related(Prefetch("actions", queryset=actions))
        .order_by("platform_timestamp", "id")
    )
