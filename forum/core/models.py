from django.db import models
from django.utils import timezone


class PendingEvent(models.Model):
    """A domain event (forum.core.events) that its subscribers have not all been told of
    yet. Written in the transaction that makes the event happen, so the event commits or
    rolls back with it; deleted once every subscriber has been told. A row left over
    (a process lost between the commit and the telling, a subscriber that failed) is told
    again by the periodic sweep; subscribers are safe to tell twice."""

    name = models.CharField(max_length=60)
    payload = models.JSONField()
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="pending_event_age")]

    def __str__(self) -> str:
        return f"{self.name} {self.payload}"
