from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("threads", "0004_post_headings_word_count"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(
                fields=["state", "-is_pinned", "-last_activity_at"], name="thread_latest_pinned"
            ),
        ),
    ]
