"""A post records that its fan-out is due until the fan-out task has run, so that the
sweep can send again a fan-out whose task was lost. Posts already stored are not due:
their fan-out ran, or was lost before there was a way to tell."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("threads", "0007_long_bodies_lz4"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="fan_out_due_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                condition=models.Q(("fan_out_due_at__isnull", False)),
                fields=["fan_out_due_at"],
                name="post_fan_out_due",
            ),
        ),
    ]
