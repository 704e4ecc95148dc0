"""Cheaper writes of a check, one per post and edit:
- its fingerprints, layout, signature and rule versions as plain `json` on PostgreSQL
  (see moderation.models.StoredJSONField), the two large ones kept out of line
  uncompressed: compressing a few kilobytes of hex digests saved little space and was
  most of the cost of writing a check;
- no index of its own on the author (check_author_recent starts with it) nor on the text
  hash (never looked up)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import moderation.models

_JSON = {"layout": list, "paragraph_fingerprints": list, "rule_versions": dict, "signature": list}
_LARGE = ("paragraph_fingerprints", "layout")


def _columns(json_type: str, storage: str):
    """One ALTER TABLE for all four columns, so that PostgreSQL rewrites the table once."""

    def apply(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return  # elsewhere a JSONField is text either way
        quote = schema_editor.quote_name
        changes = [
            f"ALTER COLUMN {quote(column)} TYPE {json_type} USING {quote(column)}::{json_type}"
            for column in _JSON
        ] + [f"ALTER COLUMN {quote(column)} SET STORAGE {storage}" for column in _LARGE]
        schema_editor.execute(
            f"ALTER TABLE {quote('moderation_contentcheck')} {', '.join(changes)}"
        )

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0005_contentcheck_layout"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunPython(_columns("json", "EXTERNAL"), _columns("jsonb", "EXTENDED"))
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="contentcheck",
                    name=name,
                    field=moderation.models.StoredJSONField(default=default),
                )
                for name, default in _JSON.items()
            ],
        ),
        migrations.AlterField(
            model_name="contentcheck",
            name="author",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="contentcheck",
            name="text_hash",
            field=models.CharField(max_length=64),
        ),
    ]
