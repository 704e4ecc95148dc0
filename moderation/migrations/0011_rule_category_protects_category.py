"""Rule.categories goes through a model of its own, RuleCategory, whose category is
PROTECTed: deleting a rule's category used to drop the row silently, and a rule left
with none applies everywhere. The table is the one the plain many-to-many field made,
so only Django's picture of it changes (the deletion rule is enforced by Django, and in
the database by the foreign key as it was)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0010_denied_images"),
        ("threads", "0016_draft"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="RuleCategory",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="threads.category",
                            ),
                        ),
                        (
                            "rule",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="moderation.rule",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "rule's category",
                        "verbose_name_plural": "rules' categories",
                        "db_table": "moderation_rule_categories",
                        "unique_together": {("rule", "category")},
                    },
                ),
                migrations.AlterField(
                    model_name="rule",
                    name="categories",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="+",
                        through="moderation.RuleCategory",
                        to="threads.category",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
