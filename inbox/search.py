"""Search across messages, customers and handles.

On PostgreSQL, message text is matched with full-text search against the GIN index created
by migration 0002 (MessageVector must stay identical to the index's expression, or the planner
will not use it). SQLite has no such index: a plain case-insensitive substring match.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet

from .models import Contact, Conversation, Identity, Message

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
        return Message.objects.alias(fts=MessageVector(F("text"))).filter(
            fts=SearchQuery(q, config=FTS_CONFIG, search_type="websearch")
        )
    return Message.objects.filter(text__icontains=q)


# Fewer matches than this are looked up through the indexes (full-text, names) and the
# conversations fetched by id; more, and the newest conversations are checked against the
# words instead, which fills a page of results after a few rows.
FEW_MATCHES = 2000


def people_matching(q: str) -> QuerySet:
    """Ids of the customers `q` names: part of a name, an exact @handle, e-mail, phone or
    order number (case-insensitive; migration 0010 indexes the exact ones on PostgreSQL)."""
    q = q.strip()
    handle = q.lstrip("@")
    exact = Q(email__iexact=q) | Q(order_number__iexact=q.lstrip("#")) | Q(phone=q)
    return (
        Identity.objects.filter(Q(name__icontains=q) | Q(handle__iexact=handle))
        .values_list("contact_id", flat=True)
        .union(Contact.objects.filter(Q(name__icontains=q) | exact).values_list("pk", flat=True))
    )


def find_customers(q: str, *, exclude: int | None = None, limit: int = 10) -> list[Contact]:
    """Customers for the merge picker, with their identities (3 queries)."""
    ids = list(people_matching(q).order_by()[: limit + 1])
    found = Contact.objects.filter(pk__in=ids)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return list(found.prefetch_related("identities").order_by("name", "pk")[:limit])


def search_conversations(qs: QuerySet[Conversation], q: str) -> QuerySet[Conversation]:
    """Conversations with a message matching `q`, or whose customer `q` names (people_matching).

    Costs two queries up front (how often the words and the names match), then shapes the
    search so that PostgreSQL answers a rare word from the indexes and a common one by
    walking the newest conversations. One plan for both took 1.6 s at a million
    conversations for a word nobody wrote (bench/inbox_bench.py).
    """
    people = people_matching(q)
    contacts = list(people.order_by()[:FEW_MATCHES])
    # Unordered: any FEW_MATCHES rows tell "few" from "many"; sorting a million would not.
    found = list(
        _messages_matching(q).order_by().values_list("conversation_id", flat=True)[:FEW_MATCHES]
    )
    if len(found) < FEW_MATCHES:
        in_text = Q(pk__in=set(found))
    else:
        in_text = Q(Exists(_messages_matching(q).filter(conversation=OuterRef("pk"))))
    if len(contacts) < FEW_MATCHES:
        by_person = Q(contact_id__in=set(contacts))
    else:
        by_person = Q(contact_id__in=people)
    return qs.filter(in_text | by_person)
