from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models


class EmailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", "As it happens (gathered each minute)"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    NEVER = "never", "Never"


def username_key(username: str) -> str:
    """The key two usernames are compared on to tell whether one could pass for the other:
    the moderation normaliser's look-alike folding (case, accents, Cyrillic and Greek
    homoglyphs, fullwidth letters, zero-width characters, `a1ice`-style digits, l and i)."""
    from moderation.normalize import fold_term, match_key

    return match_key(fold_term(username))[:USERNAME_KEY_MAX_LENGTH]


USERNAME_KEY_MAX_LENGTH = 150


class User(AbstractUser):
    """A member. `role` decides what they may moderate; `trust_level` (0-4) is earned by
    activity and decides how much the forum trusts their posts."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        MODERATOR = "moderator", "Moderator"
        ADMIN = "admin", "Administrator"

    MAX_TRUST_LEVEL = 4

    display_name = models.CharField(max_length=50, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    trust_level = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_TRUST_LEVEL)]
    )
    # Set when staff choose a level by hand, so that automatic promotion leaves it alone.
    trust_level_locked = models.BooleanField(default=False)
    post_count = models.PositiveIntegerField(default=0)
    # Watch threads one starts or replies to.
    auto_watch_threads = models.BooleanField(default=True)
    email_frequency = models.CharField(
        max_length=12, choices=EmailFrequency.choices, default=EmailFrequency.DAILY
    )
    last_posted_at = models.DateTimeField(null=True, blank=True)
    # username_key(username), kept by save(): sign-up refuses a name whose key is taken.
    username_key = models.CharField(
        max_length=USERNAME_KEY_MAX_LENGTH, db_index=True, editable=False, default=""
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trust_level__lte=4), name="user_trust_level_at_most_4"
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def save(self, *args, **kwargs) -> None:
        self.username_key = username_key(self.username)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "username" in update_fields:
            kwargs["update_fields"] = {*update_fields, "username_key"}
        super().save(*args, **kwargs)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    @property
    def is_moderator(self) -> bool:
        return self.is_superuser or self.role in (self.Role.MODERATOR, self.Role.ADMIN)


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the token is stored; the token
    itself is shown once, when it is created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the token, so a member can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
