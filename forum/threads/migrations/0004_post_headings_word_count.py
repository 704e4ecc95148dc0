from django.db import migrations, models

BATCH_SIZE = 500


def fill_headings_and_word_counts(apps, schema_editor):
    """Posts written before these fields existed get them from their current text, as
    the services would have stored them. Rendering again is the only way to find the
    headings; it happens once, here, in batches so memory stays flat."""
    from forum.threads.rendering import RenderedTooLarge, render_markdown

    Post = apps.get_model("threads", "Post")
    batch = []
    for post in Post.objects.only("pk", "body_source").order_by("pk").iterator(BATCH_SIZE):
        try:
            headings = render_markdown(post.body_source).headings
        except RenderedTooLarge:
            headings = ()
        post.headings = [list(heading) for heading in headings]
        post.word_count = len(post.body_source.split())
        batch.append(post)
        if len(batch) == BATCH_SIZE:
            Post.objects.bulk_update(batch, ["headings", "word_count"])
            batch = []
    if batch:
        Post.objects.bulk_update(batch, ["headings", "word_count"])


class Migration(migrations.Migration):
    dependencies = [
        ("threads", "0003_thread_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="headings",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="post",
            name="word_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(fill_headings_and_word_counts, migrations.RunPython.noop),
    ]
