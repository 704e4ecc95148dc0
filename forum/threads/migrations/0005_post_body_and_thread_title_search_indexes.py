"""GIN indexes for full-text search (forum/threads/search.py), on PostgreSQL only.

They index the very expressions the search queries compute (Django's SearchVector with
the `english` configuration), so the planner can use them. SQLite has no such index;
search falls back to substring matching there."""

from django.db import migrations

INDEXES = {
    "post_body_search": (
        "threads_post",
        "to_tsvector('english'::regconfig, COALESCE(body_source, ''))",
    ),
    "thread_title_search": (
        "threads_thread",
        "to_tsvector('english'::regconfig, COALESCE(title, ''))",
    ),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("threads", "0004_post_headings_word_count")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
