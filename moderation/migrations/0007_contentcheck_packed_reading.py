"""A check's paragraph fingerprints and layout as packed bytes instead of JSON (see
moderation.models.PackedDigestsField and moderation.content.Layout): about half the
size, and no JSON to encode on every check nor to decode on every edit's.

Existing checks are converted in place, a thousand rows at a time. A stored value that
does not fit the packed format (none is expected: checks have only ever written 32-hex
digests and four-part layout entries) is stored empty, which only means that the post's
next edit reads the whole post again."""

import struct

from django.db import migrations

import moderation.content
import moderation.models
from moderation.content import Layout

_BATCH = 1000


def _copy(conversions):
    """Set each check's fields from others: `conversions` maps a source field to (the
    target field, a function giving the target's value from the source's)."""

    def copy(apps, schema_editor):
        content_check = apps.get_model("moderation", "ContentCheck")
        rows = content_check.objects.using(schema_editor.connection.alias)
        targets = [target for target, _ in conversions.values()]
        batch = []
        for row in rows.only("pk", *conversions).iterator(chunk_size=_BATCH):
            for source, (target, convert) in conversions.items():
                setattr(row, target, convert(getattr(row, source)))
            batch.append(row)
            if len(batch) == _BATCH:
                rows.bulk_update(batch, targets)
                batch = []
        if batch:
            rows.bulk_update(batch, targets)

    return copy


def _fingerprints(value):
    try:
        moderation.models.PackedDigestsField.pack(value)
    except (ValueError, TypeError):
        return []
    return value


def _layout(value):
    try:
        layout = Layout.from_entries(value)
        layout.pack()  # each length and count must fit its 32 bits
    except (ValueError, TypeError, LookupError, struct.error):
        return Layout()
    return layout if layout.is_whole() else Layout()


def _storage(apps, schema_editor):
    """Out of line and uncompressed, as the JSON columns were: digests do not compress.
    (Going back, the same for the JSON columns again.)"""
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    schema_editor.execute(
        f"ALTER TABLE {quote('moderation_contentcheck')} "
        + ", ".join(
            f"ALTER COLUMN {quote(column)} SET STORAGE EXTERNAL"
            for column in ("paragraph_fingerprints", "layout")
        )
    )


class Migration(migrations.Migration):
    dependencies = [("moderation", "0006_contentcheck_cheaper_writes")]

    operations = [
        migrations.AddField(
            model_name="contentcheck",
            name="packed_fingerprints",
            field=moderation.models.PackedDigestsField(default=list),
        ),
        migrations.AddField(
            model_name="contentcheck",
            name="packed_layout",
            field=moderation.models.PackedLayoutField(default=moderation.content.Layout),
        ),
        migrations.RunPython(
            _copy(
                {
                    "paragraph_fingerprints": ("packed_fingerprints", _fingerprints),
                    "layout": ("packed_layout", _layout),
                }
            ),
            _copy(
                {
                    "packed_fingerprints": ("paragraph_fingerprints", list),
                    "packed_layout": ("layout", Layout.entries),
                }
            ),
        ),
        # Going back, the JSON columns come back as 0006 left them.
        migrations.RunPython(migrations.RunPython.noop, _storage),
        migrations.RemoveField(model_name="contentcheck", name="paragraph_fingerprints"),
        migrations.RemoveField(model_name="contentcheck", name="layout"),
        migrations.RenameField(
            model_name="contentcheck",
            old_name="packed_fingerprints",
            new_name="paragraph_fingerprints",
        ),
        migrations.RenameField(
            model_name="contentcheck", old_name="packed_layout", new_name="layout"
        ),
        migrations.RunPython(_storage, migrations.RunPython.noop),
    ]
