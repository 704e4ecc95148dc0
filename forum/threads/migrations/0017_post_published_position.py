"""Post.published_position: the order posts became readable, which read marks follow
instead of the order they were written (Post.position), so that a reply approved after
a reader read past its place is new to them. Every post so far keeps its position as
its place in that order, which is what the marks already held were measured in."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("threads", "0016_draft"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="published_position",
            field=models.PositiveIntegerField(null=True),
        ),
        migrations.RunSQL(
            "UPDATE threads_post SET published_position = position",
            reverse_sql=migrations.RunSQL.noop,
            elidable=False,
        ),
        migrations.AlterField(
            model_name="post",
            name="published_position",
            field=models.PositiveIntegerField(),
        ),
        migrations.AddConstraint(
            model_name="post",
            constraint=models.UniqueConstraint(
                fields=("thread", "published_position"), name="post_unique_published_position"
            ),
        ),
    ]
