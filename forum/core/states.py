"""The states a piece of content moves through under moderation. They belong to the
lowest layer because the permission authority decides who sees what by them; the
threads app stores them on posts and threads."""

from django.db import models


class PostState(models.TextChoices):
    PENDING = "pending", "Pending review"
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden"
    REMOVED = "removed", "Removed"
