"""Reads of the knowledge base."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Article


def published_articles() -> QuerySet[Article]:
    return Article.objects.filter(published=True)


def article_search(query: str, *, limit: int = 8) -> list[Article]:
    """Published articles whose title, tags or body contain every word of `query`."""
    qs = published_articles()
    for word in query.split():
        qs = qs.filter(Q(title__icontains=word) | Q(tags__icontains=word) | Q(body__icontains=word))
    return list(qs.order_by("title")[:limit])
