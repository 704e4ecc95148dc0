"""On PostgreSQL, refuse UPDATE and DELETE on the moderation log in the database itself,
for every client, not only for code that goes through the model. (TRUNCATE, which test
runs use to reset tables, is a separate statement and not refused. SQLite gets no
trigger: Django resets its tables with DELETE.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION moderation_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the moderation log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER moderation_log_append_only
    BEFORE UPDATE OR DELETE ON moderation_moderationlogentry
    FOR EACH ROW EXECUTE FUNCTION moderation_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS moderation_log_append_only ON moderation_moderationlogentry;
DROP FUNCTION IF EXISTS moderation_log_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("moderation", "0002_rules_checks_reports_queue_log")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
