"""Threads keep a state of their own: hiding or removing an opening post no longer takes
its thread down. A thread that is down now is down with its opening post (its state
mirrored the post's), so it keeps following it."""

from django.db import migrations, models
from django.db.models import F


def mark_followers(apps, schema_editor):
    Thread = apps.get_model("threads", "Thread")
    Thread.objects.exclude(state="visible").filter(opening_post__state=F("state")).update(
        follows_opening_post=True
    )


class Migration(migrations.Migration):
    dependencies = [("threads", "0008_post_fan_out_due")]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="follows_opening_post",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_followers, migrations.RunPython.noop),
    ]
