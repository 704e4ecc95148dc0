from django.db import migrations, models


def fill_display_name_keys(apps, schema_editor):
    from forum.accounts.models import display_name_key

    User = apps.get_model("accounts", "User")
    named = User.objects.exclude(display_name="").only("pk", "display_name")
    for user in named.iterator(chunk_size=2000):
        User.objects.filter(pk=user.pk).update(
            display_name_key=display_name_key(user.display_name)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_apitoken_expires_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="display_name_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=150),
        ),
        migrations.RunPython(fill_display_name_keys, migrations.RunPython.noop),
    ]
