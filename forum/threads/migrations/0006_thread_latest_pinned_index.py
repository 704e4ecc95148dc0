from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("threads", "0005_post_body_and_thread_title_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="thread",
            index=models.Index(
                fields=["state", "-is_pinned", "-last_activity_at"], name="thread_latest_pinned"
            ),
        ),
    ]
