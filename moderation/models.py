from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SanctionQuerySet(models.QuerySet):
    def active(self, now=None) -> "SanctionQuerySet":
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Sanction(models.Model):
    """A restriction on a member: silenced members can read but not post; suspended and
    banned members cannot log in or post. Ends at `ends_at`, or never when it is empty."""

    class Kind(models.TextChoices):
        SILENCE = "silence", "Silence (can read, cannot post)"
        SUSPEND = "suspend", "Suspend (cannot log in)"
        BAN = "ban", "Ban"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sanctions"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = SanctionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "lifted_at"], name="sanction_user_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user_id}"
