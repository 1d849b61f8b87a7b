"""Full-text search index on message text, PostgreSQL only.

SQLite has no GIN indexes; search there falls back to a substring match (inbox/search.py),
so this migration does nothing on other databases. The index expression must match
inbox.search.MessageVector exactly for the planner to use it.
"""

from django.db import migrations

CREATE = ("CREATE INDEX IF NOT EXISTS msg_text_fts ON inbox_message "
          "USING GIN (to_tsvector('simple'::regconfig, \"text\"))")
DROP = "DROP INDEX IF EXISTS msg_text_fts"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [("inbox", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index)]
