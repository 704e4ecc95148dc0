"""The other half of accounts 0006: moderation stops owning the models of sanctions and
category-moderator scopes. Their tables are left where they are, now owned by accounts."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0007_contentcheck_packed_reading"),
        ("accounts", "0006_sanction_categorymoderator"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Sanction"),
                migrations.DeleteModel(name="CategoryModerator"),
            ],
            database_operations=[],
        ),
    ]
