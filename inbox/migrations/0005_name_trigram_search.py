"""Trigram indexes for searching customers by part of their name, PostgreSQL only.

Django's `name__icontains` is `UPPER(name::text) LIKE UPPER('%…%')` on PostgreSQL; these
indexes are on exactly that expression, so the planner can use them (inbox/search.py).
pg_trgm is a trusted extension: the database's owner may create it. Other databases keep
the plain scan.
"""

from django.db import migrations

INDEXES = {
    "contact_name_trgm": "inbox_contact",
    "identity_name_trgm": "inbox_identity",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
                              "USING GIN ((UPPER((name)::text)) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [("inbox", "0004_conversation_recent_index")]

    operations = [migrations.RunPython(create, drop)]
