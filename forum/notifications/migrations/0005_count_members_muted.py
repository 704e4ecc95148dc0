from django.db import migrations
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_members_muted(apps, schema_editor):
    """Each member's muting_count from the mutes they already hold."""
    User = apps.get_model("accounts", "User")
    UserMute = apps.get_model("notifications", "UserMute")
    counts = (
        UserMute.objects.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(pk__in=UserMute.objects.values("user_id")).update(
        muting_count=Coalesce(Subquery(counts), 0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_user_muting_count"),
        ("notifications", "0004_notification_sequence"),
    ]

    operations = [migrations.RunPython(count_members_muted, migrations.RunPython.noop)]
