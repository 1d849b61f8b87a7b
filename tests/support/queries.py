"""What a test counts of the statements a block ran: the application's, not the cache's."""

from __future__ import annotations

from django.conf import settings


def _cache_tables() -> set[str]:
    return {
        str(cache["LOCATION"])
        for cache in settings.CACHES.values()
        if cache["BACKEND"].endswith("DatabaseCache")
    }


def data_statements(captured) -> list[str]:
    """The statements of a `CaptureQueriesContext` that read or write data, less the shared
    cache's. Without Redis (SQLite, `make run`) the cache is a database table, and its
    reads and writes (the live feed, a "task on its way" mark, a remembered flag, each
    set in a savepoint of its own) would count as the code's queries; with Redis they
    are no SQL at all. Savepoints are left out too: they hold no data."""
    tables = _cache_tables()
    return [
        q["sql"]
        for q in captured.captured_queries
        if not any(t in q["sql"] for t in tables) and "SAVEPOINT" not in q["sql"]
    ]
