from django.db import migrations, models


def fill_username_keys(apps, schema_editor):
    from forum.accounts.models import username_key

    User = apps.get_model("accounts", "User")
    for user in User.objects.only("pk", "username").iterator(chunk_size=2000):
        User.objects.filter(pk=user.pk).update(username_key=username_key(user.username))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="username_key",
            field=models.CharField(db_index=True, default="", editable=False, max_length=150),
        ),
        migrations.RunPython(fill_username_keys, migrations.RunPython.noop),
    ]
