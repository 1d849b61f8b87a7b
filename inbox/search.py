"""Search across messages, customers and handles.

On PostgreSQL, message text is matched with full-text search against the GIN index created
by migration 0002 (MessageVector must stay identical to the index's expression, or the planner
will not use it). SQLite has no such index: a plain case-insensitive substring match.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet

from .models import Conversation, Identity, Message

FTS_CONFIG = "simple"


class MessageVector(Func):
    """to_tsvector('simple', text): the expression of the index in migration 0002.

    Written out instead of SearchVector, which wraps the column in COALESCE(...::text) and
    so would not match the index expression.
    """

    function = "to_tsvector"
    template = "%(function)s('simple'::regconfig, %(expressions)s)"
    output_field = SearchVectorField()


def _messages_matching(q: str) -> QuerySet[Message]:
    if connection.vendor == "postgresql":
        return (Message.objects.alias(fts=MessageVector(F("text")))
                .filter(fts=SearchQuery(q, config=FTS_CONFIG, search_type="websearch")))
    return Message.objects.filter(text__icontains=q)


def search_conversations(qs: QuerySet[Conversation], q: str) -> QuerySet[Conversation]:
    """Conversations with a message matching `q`, or whose customer's name or handle does."""
    handle = q.lstrip("@")
    people = Identity.objects.filter(
        Q(name__icontains=q) | Q(handle__iexact=handle), contact=OuterRef("contact_id"))
    texts = _messages_matching(q).filter(conversation=OuterRef("pk"))
    return qs.filter(Exists(texts) | Exists(people) | Q(contact__name__icontains=q))
