"""Sanctions and category-moderator scopes are facts about members, so their models
belong to accounts. Their tables stay as they are (`moderation_sanction`,
`moderation_categorymoderator`): only Django's record of which app owns them changes,
here and in moderation 0008. The content types follow, so permissions granted on them
still apply."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MOVED = ("sanction", "categorymoderator")


def content_types_to(app_label: str, other: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MOVED:
            # A fresh database may already hold the new row (made by a post_migrate
            # signal of an earlier run); then the old one is the one to drop.
            if ContentType.objects.filter(app_label=app_label, model=model).exists():
                ContentType.objects.filter(app_label=other, model=model).delete()
            else:
                ContentType.objects.filter(app_label=other, model=model).update(
                    app_label=app_label
                )

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_username_key"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("moderation", "0007_contentcheck_packed_reading"),
        ("threads", "0008_post_fan_out_due"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Sanction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("silence", "Silence (can read, cannot post)"),
                                    ("suspend", "Suspend (cannot log in)"),
                                    ("ban", "Ban"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("reason", models.CharField(max_length=500)),
                        ("starts_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("ends_at", models.DateTimeField(blank=True, null=True)),
                        ("lifted_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="sanctions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "db_table": "moderation_sanction",
                        "indexes": [
                            models.Index(fields=["user", "lifted_at"], name="sanction_user_open")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CategoryModerator",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="moderator_scopes",
                                to="threads.category",
                            ),
                        ),
                        (
                            "moderator",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="moderated_categories",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "category moderator",
                        "db_table": "moderation_categorymoderator",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("moderator", "category"), name="category_moderator_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(
            content_types_to("accounts", "moderation"), content_types_to("moderation", "accounts")
        ),
    ]
