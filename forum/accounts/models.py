from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from forum.core import requestmemo
from forum.core.lookalikes import fold_term, match_key


class EmailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", "As it happens (gathered each minute)"
    DAILY = "daily", "Daily digest"
    WEEKLY = "weekly", "Weekly digest"
    NEVER = "never", "Never"


def username_key(username: str) -> str:
    """The key two usernames are compared on to tell whether one could pass for the other:
    the look-alike folding of forum.core.lookalikes (case, accents, Cyrillic and Greek
    homoglyphs, fullwidth letters, zero-width characters, `a1ice`-style digits, l and i)."""
    return match_key(fold_term(username))[:USERNAME_KEY_MAX_LENGTH]


USERNAME_KEY_MAX_LENGTH = 150


def display_name_key(display_name: str) -> str:
    """The key a display name is compared on, with usernames' keys and other display
    names' keys: the same folding, and spaces dropped ("Ann Lee" could pass for the
    username "annlee"). Empty for no display name."""
    return username_key("".join(display_name.split()))


# Names nobody may take as a username or display name, compared on their keys: they
# would read as the forum itself or its staff speaking.
RESERVED_NAMES = (
    "admin",
    "administrator",
    "administrators",
    "anonymous",
    "deleted",
    "mod",
    "moderator",
    "moderators",
    "nobody",
    "official",
    "parley",
    "root",
    "security",
    "someone",
    "staff",
    "support",
    "system",
)
RESERVED_NAME_KEYS = frozenset(username_key(name) for name in RESERVED_NAMES)


# The field each name is kept with, and its key's field.
_NAME_KEYS = {"username": "username_key", "display_name": "display_name_key"}


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
    # How many members this one muted (kept by forum.notifications' mute service): read
    # with the member on every request, so that pages fold no one for those who mute
    # nobody without asking which of a thread's authors they muted.
    muting_count = models.PositiveIntegerField(default=0, editable=False)
    # username_key(username), kept by save(): sign-up refuses a name whose key is taken.
    username_key = models.CharField(
        max_length=USERNAME_KEY_MAX_LENGTH, db_index=True, editable=False, default=""
    )
    # display_name_key(display_name), kept by save(): no one may take a display name whose
    # key is another member's username key or display name key.
    display_name_key = models.CharField(
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
        self.display_name_key = display_name_key(self.display_name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            keys = [key for name, key in _NAME_KEYS.items() if name in update_fields]
            kwargs["update_fields"] = {*update_fields, *keys}
        super().save(*args, **kwargs)

    @property
    def shown_name(self) -> str:
        return self.display_name or self.username

    @property
    def identified_name(self) -> str:
        """The name with the username beside it, where who someone is matters:
        "Ann Lee (@annlee)", or just "annlee" without a display name."""
        if self.display_name:
            return f"{self.display_name} (@{self.username})"
        return self.username

    @property
    def is_moderator(self) -> bool:
        """Whether the member holds a moderator's role (administrators do too). What the
        role lets them do now is for forum.core.permissions to say: a deactivated or
        sanctioned moderator holds the role but may not use it."""
        return self.is_superuser or self.role in (self.Role.MODERATOR, self.Role.ADMIN)

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN

    def active_sanction_kinds(self) -> frozenset[str]:
        """The kinds of sanction this member is under now. Read once per request: signing
        in, the view and the service all ask before a member may post."""
        return requestmemo.remembered(
            sanctions_memo_key(self.pk),
            lambda: frozenset(
                Sanction.objects.active().filter(user_id=self.pk).values_list("kind", flat=True)
            ),
        )

    def moderation_scope(self) -> frozenset[int]:
        """The ids of the categories this member is limited to as a moderator; empty when
        they have no category scope. Read once per request."""
        return requestmemo.remembered(
            scope_memo_key(self.pk),
            lambda: frozenset(
                CategoryModerator.objects.filter(moderator_id=self.pk).values_list(
                    "category_id", flat=True
                )
            ),
        )


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None) -> "ApiTokenQuerySet":
        """Tokens that still authenticate: neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 digest of the token is stored; the token
    itself is shown once, when it is created. It works until it is revoked or, when it
    has one, until `expires_at`."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # The first characters of the token, so a member can tell their tokens apart.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    read_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Empty: the token works until it is revoked.
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


def sanctions_memo_key(user_id: int) -> tuple:
    return ("active_sanction_kinds", user_id)


def scope_memo_key(user_id: int) -> tuple:
    return ("moderation_scope", user_id)


def with_sanction_kinds(queryset: models.QuerySet, *, member: str = "pk") -> models.QuerySet:
    """`queryset` also answering whether the member whose id is in its field `member` is
    under any sanction now, in the query that reads them: for nearly every member that
    is all there is to know, and no query of its own follows on their request. See
    remember_sanction_kinds."""
    return queryset.annotate(
        under_sanction=models.Exists(
            Sanction.objects.active().filter(user_id=models.OuterRef(member))
        )
    )


def remember_sanction_kinds(user_id: int, row) -> None:
    """Let `active_sanction_kinds` answer "none" for the rest of the request when `row`,
    read through with_sanction_kinds, says so; a sanctioned member's kinds are read when
    asked for."""
    if not row.under_sanction:
        requestmemo.prime(sanctions_memo_key(user_id), frozenset())


class SanctionQuerySet(models.QuerySet):
    def active(self, now=None) -> "SanctionQuerySet":
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True, starts_at__lte=now).filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now)
        )


class Sanction(models.Model):
    """A restriction on a member: silenced members can read but not post; suspended and
    banned members cannot log in or post. Ends at `ends_at`, or never when it is empty.
    Imposed and lifted by moderators (the moderation app's actions), who are held to
    forum.core.permissions' hierarchy."""

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
        db_table = "moderation_sanction"
        indexes = [models.Index(fields=["user", "lifted_at"], name="sanction_user_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.user_id}"

    @property
    def state_word(self) -> str:
        """What the sanction makes the member's account: "silenced", "suspended", "banned"."""
        return {self.Kind.SILENCE: "silenced", self.Kind.SUSPEND: "suspended"}.get(
            self.kind, "banned"
        )


class CategoryModerator(models.Model):
    """Scopes a moderator to one category. A moderator with no rows here moderates the
    whole forum; with rows, only those categories. Administrators are never scoped. A
    category with moderators cannot be deleted: losing their last row would widen their
    scope to the whole forum unrecorded, so it changes through `moderator_set_scope`."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderated_categories"
    )
    category = models.ForeignKey(
        "threads.Category", on_delete=models.PROTECT, related_name="moderator_scopes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "moderation_categorymoderator"
        constraints = [
            models.UniqueConstraint(
                fields=["moderator", "category"], name="category_moderator_unique"
            )
        ]
        verbose_name = "category moderator"

    def __str__(self) -> str:
        return f"{self.moderator} moderates {self.category}"
