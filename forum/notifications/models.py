from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WatchLevel(models.TextChoices):
    WATCHING = "watching", "Watching: every new post"
    TRACKING = "tracking", "Tracking: unread count only"
    NORMAL = "normal", "Normal: replies to me and mentions"
    MUTED = "muted", "Muted: nothing, not even mentions"


class ThreadWatch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="thread_watches"
    )
    thread = models.ForeignKey("threads.Thread", on_delete=models.CASCADE, related_name="watches")
    level = models.CharField(max_length=10, choices=WatchLevel.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "user"], name="thread_watch_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} thread {self.thread_id}"


class CategoryWatch(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="category_watches"
    )
    category = models.ForeignKey(
        "threads.Category", on_delete=models.CASCADE, related_name="watches"
    )
    level = models.CharField(max_length=10, choices=WatchLevel.choices)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["category", "user"], name="category_watch_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} category {self.category_id}"


class Delivery(models.Model):
    """That `recipient` has been told of `event_key` (a post and why). The unique key
    makes a retried or duplicated fan-out batch a no-op for everyone already told."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    event_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="delivery_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_key} to {self.recipient_id}"


class Notification(models.Model):
    """What a member sees. Collapsing kinds keep one unread row per (recipient,
    collapse key) and count the events folded into it; `post` is the newest."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    thread = models.ForeignKey(
        "threads.Thread", on_delete=models.CASCADE, null=True, related_name="+"
    )
    post = models.ForeignKey("threads.Post", on_delete=models.CASCADE, null=True, related_name="+")
    collapse_key = models.CharField(max_length=64)
    # For a moderation outcome: what happened (held, approved, removed...; see kinds.py)
    # and why, as the member may read it: a moderator's reason, or the kind of automatic
    # check that acted (never a rule's name or what it looks for). Defaults in the
    # database too: the fan-out writes its rows in SQL that names neither.
    outcome = models.CharField(max_length=16, blank=True, default="", db_default="")
    reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    # For one that newer events replace (a post's moderation outcomes): where its event
    # stands in their order (the deciding log entry's id), so that an older event
    # delivered late, as a retried one may be, never replaces it.
    sequence = models.PositiveBigIntegerField(null=True, blank=True)
    count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the notification has gone out in an e-mail, so no digest repeats it.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "collapse_key"],
                condition=Q(read_at__isnull=True),
                name="notification_one_unread_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-updated_at"], name="notification_inbox"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class UserMute(models.Model):
    """`user` hears nothing caused by `muted`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mutes"
    )
    muted = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "muted"], name="user_mute_unique"),
            models.CheckConstraint(condition=~Q(user=models.F("muted")), name="user_mute_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.muted_id}"
