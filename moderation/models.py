import base64
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from forum.threads.models import Image
from moderation.content import Layout


class Rule(models.Model):
    """An automatic check, edited by staff. `version` rises with every edit, and each
    verdict and log entry records the version that produced it."""

    class Action(models.TextChoices):
        BLOCK = "block", "Block (refuse at submit; reject if found later)"
        REQUIRE_APPROVAL = "require_approval", "Require approval (hold for review)"
        FLAG = "flag", "Flag for review (stays visible)"
        CENSOR = "censor", "Censor the matched words"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=32)
    params = models.JSONField(default=dict, blank=True)
    action = models.CharField(max_length=16, choices=Action.choices, default=Action.FLAG)
    enabled = models.BooleanField(default=False)
    # Empty means every category; see RuleCategory for why a named one stays.
    categories = models.ManyToManyField(
        "threads.Category", through="RuleCategory", blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class RuleCategory(models.Model):
    """One of the categories a rule is limited to. A rule limited to none applies in every
    category, so losing its last row would widen it to the whole forum without anyone
    deciding it: a category that a rule names cannot be deleted (however the deletion is
    asked for) until the rule is changed through `services.rule_save`, which logs it."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("threads.Category", on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The table and its unique pair are the ones Django made for the plain
        # many-to-many field this replaced.
        db_table = "moderation_rule_categories"
        unique_together = [("rule", "category")]
        verbose_name = "rule's category"
        verbose_name_plural = "rules' categories"

    def __str__(self) -> str:
        return f"Rule “{self.rule.name}” is limited to {self.category}"


class StoredJSONField(models.JSONField):
    """JSON the database keeps and hands back whole but never looks inside.

    On PostgreSQL the column is `json`, not `jsonb`: the text is stored as written
    instead of parsed into jsonb's binary form on every insert and turned back into text
    on every read, which for a check's few kilobytes of fingerprints and layout cost
    more than the rest of writing the row. JSON lookups on such a field are not
    supported; nothing filters on these values."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        if not prepared:
            value = self.get_prep_value(value)
        # Plain text, which PostgreSQL reads straight into the json column.
        return json.dumps(value, cls=self.encoder)

    def from_db_value(self, value, expression, connection):
        if connection.vendor == "postgresql":
            return value  # psycopg decodes json columns itself
        return super().from_db_value(value, expression, connection)


class _PackedField(models.BinaryField):
    """A value the database keeps as bytes in a fixed format, packed and unpacked by the
    subclass's `pack` and `unpack`. For a check's paragraph fingerprints and layout,
    written with every check and read by every edit's check, the packed forms are about
    half of JSON's size and take microseconds where JSON took tenths of a millisecond."""

    @staticmethod
    def pack(value: Any) -> bytes:
        raise NotImplementedError

    @staticmethod
    def unpack(data: bytes) -> Any:
        raise NotImplementedError

    def get_prep_value(self, value):
        return None if value is None else self.pack(value)

    def from_db_value(self, value, expression, connection):
        return None if value is None else self.unpack(bytes(value))

    def to_python(self, value):
        if isinstance(value, str):  # serialized: base64 text, as BinaryField writes it
            return self.unpack(base64.b64decode(value))
        if isinstance(value, bytes | memoryview):
            return self.unpack(bytes(value))
        return value

    def value_to_string(self, obj) -> str:
        return base64.b64encode(self.pack(self.value_from_object(obj))).decode("ascii")


class PackedDigestsField(_PackedField):
    """A list of 32-hex-digit digests (paragraph fingerprints), stored as their 16
    bytes each, one after another."""

    description = "List of 128-bit digests"
    _WIDTH = 32  # hex digits

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        super().__init__(*args, **kwargs)

    @classmethod
    def pack(cls, value: Sequence[str]) -> bytes:
        value = list(value)
        if not set(map(len, value)) <= {cls._WIDTH}:
            raise ValueError("a digest is not 32 hex digits")
        packed = bytes.fromhex("".join(value))
        if len(packed) != len(value) * cls._WIDTH // 2:  # fromhex skips spaces
            raise ValueError("a digest is not 32 hex digits")
        return packed

    @classmethod
    def unpack(cls, data: bytes) -> list[str]:
        text = data.hex()
        if len(text) % cls._WIDTH:
            raise ValueError("stored digests are not whole")
        return [text[start : start + cls._WIDTH] for start in range(0, len(text), cls._WIDTH)]


class PackedLayoutField(_PackedField):
    """How checked markup splits into chunks (moderation.content.Layout), stored as the
    bytes `Layout.pack` gives."""

    description = "Layout of a post's markup"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", Layout)
        super().__init__(*args, **kwargs)

    @staticmethod
    def pack(value: Layout) -> bytes:
        return value.pack()

    @staticmethod
    def unpack(data: bytes) -> Layout:
        return Layout.unpack(data)


class ContentCheck(models.Model):
    """What the automatic check of one revision found, and what it needs to remember so
    that the next edit re-checks only changed paragraphs."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        QUEUED = "queued", "Queued for review"
        HIDDEN = "hidden", "Hidden pending review"
        REJECTED = "rejected", "Rejected"

    revision = models.OneToOneField(
        "threads.PostRevision", on_delete=models.CASCADE, related_name="content_check"
    )
    post = models.ForeignKey("threads.Post", on_delete=models.CASCADE, related_name="+")
    # Indexed by check_author_recent, which starts with it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    paragraph_fingerprints = PackedDigestsField()
    # How the checked markup splits into chunks (moderation.content.PostContent.layout),
    # so that the next edit reads again only the chunks that changed.
    layout = PackedLayoutField()
    # Compared with the author's recent checks, read by author (never looked up itself).
    text_hash = models.CharField(max_length=64)
    signature = StoredJSONField(default=list)
    # The enabled rules and their versions when this check ran: {rule id: version}.
    rule_versions = StoredJSONField(default=dict)
    paragraphs_checked = models.PositiveIntegerField(default=0)
    paragraphs_reused = models.PositiveIntegerField(default=0)
    duration_ms = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["author", "-created_at"], name="check_author_recent")]

    def __str__(self) -> str:
        return f"Check of revision {self.revision_id}: {self.outcome}"


class ContentFingerprint(models.Model):
    """One LSH band key of a post's MinHash signature: posts that share a key are
    candidates for near-duplicate comparison."""

    band_key = models.CharField(max_length=40)
    post = models.ForeignKey("threads.Post", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["band_key", "-created_at"], name="fingerprint_band")]

    def __str__(self) -> str:
        return f"{self.band_key} of post {self.post_id}"


class Verdict(models.Model):
    """One rule's hit on one revision, with the evidence: spans of
    {"paragraph", "start", "end", "text"} in the rendered post's paragraphs."""

    revision = models.ForeignKey(
        "threads.PostRevision", on_delete=models.CASCADE, related_name="verdicts"
    )
    post = models.ForeignKey("threads.Post", on_delete=models.CASCADE, related_name="verdicts")
    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="verdicts")
    rule_version = models.PositiveIntegerField()
    action = models.CharField(max_length=16, choices=Rule.Action.choices)
    score = models.FloatField()
    detail = models.CharField(max_length=300)
    spans = models.JSONField(default=list)
    # For paragraph-scoped rules: which paragraph, so an edit can reuse unchanged ones.
    paragraph_fingerprint = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["rule", "-created_at"], name="verdict_rule_recent")]

    def __str__(self) -> str:
        return f"{self.detail} (rule {self.rule_id} v{self.rule_version})"


class Report(models.Model):
    """A member's report of a post, or of one paragraph of it."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        OFF_TOPIC = "off_topic", "Off-topic"
        ABUSE = "abuse", "Abuse or harassment"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        UPHELD = "upheld", "Upheld"
        DISMISSED = "dismissed", "Dismissed"

    post = models.ForeignKey("threads.Post", on_delete=models.CASCADE, related_name="reports")
    paragraph = models.PositiveIntegerField(null=True, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_filed"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    message = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=Q(status="open"),
                name="report_one_open_per_member",
            )
        ]
        indexes = [models.Index(fields=["post", "status"], name="report_post_status")]

    def __str__(self) -> str:
        return f"Report of post {self.post_id}: {self.reason}"


class Decided(models.Model):
    """Who decided, when, and why: what a review item and a sanction's appeal keep."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class ReviewItem(Decided):
    """A post that needs a human decision, gathering why: rule verdicts, reports, an
    appeal. At most one pending item per post; a moderator claims it before deciding,
    and a claim older than CLAIM_TIMEOUT lapses."""

    CLAIM_TIMEOUT = dt.timedelta(minutes=15)

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    class Reason(models.TextChoices):
        RULE = "rule", "A rule fired"
        PREMODERATION = "premoderation", "Pre-moderation"
        REPORTS = "reports", "Reports from members"
        APPEAL = "appeal", "Appeal against removal"

    post = models.ForeignKey("threads.Post", on_delete=models.CASCADE, related_name="review_items")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reasons = models.JSONField(default=list)
    severity = models.FloatField(default=0)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post"], condition=Q(state="pending"), name="review_one_pending_per_post"
            )
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="review_queue")]

    def __str__(self) -> str:
        return f"Review of post {self.post_id} ({self.state})"

    def reason_labels(self) -> list[str]:
        """Why the post is in the queue, in words."""
        labels = dict(self.Reason.choices)
        return [labels.get(reason, reason) for reason in self.reasons]


class Appeal(Decided):
    """A member's one appeal: against the removal of their post, decided through the
    post's review item, or against a sanction on them, decided here by a moderator who
    may lift it (upheld: it stays; lifted: it ends; the decision fields are for this
    kind only)."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Sanction upheld"
        LIFTED = "lifted", "Sanction lifted"

    post = models.OneToOneField(
        "threads.Post", on_delete=models.CASCADE, null=True, blank=True, related_name="appeal"
    )
    sanction = models.OneToOneField(
        "accounts.Sanction",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="appeal",
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=2000)
    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # A sanction's appeal only: a post's appeal is decided with its review item.
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, sanction__isnull=True)
                | Q(post__isnull=True, sanction__isnull=False),
                name="appeal_of_post_or_sanction",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sanction__isnull=False, decided_at__isnull=True),
                name="appeal_sanction_open",
            )
        ]

    def __str__(self) -> str:
        if self.sanction_id:
            return f"Appeal of sanction {self.sanction_id}"
        return f"Appeal of post {self.post_id}"


class SanctionAppeal(Appeal):
    """Appeals against sanctions, the moderators' own screen in the admin."""

    class Meta:
        proxy = True
        verbose_name = "sanction appeal"


class QueueAlert(models.Model):
    """New work for moderators, told once: a review item opened or given a new source (a
    post held, a rule that queued it, reports past the threshold, an appeal), or a
    sanction appealed. The moderators who may act on it are worked out when they are
    told (forum.core.permissions), so a digest and a header count never name work
    someone may no longer act on. Unique per item and source, so a check that runs twice
    alerts once."""

    class Source(models.TextChoices):
        HELD = "held", "A post is held for approval"
        RULE = "rule", "A rule queued a post"
        REPORTS = "reports", "Reports passed the threshold"
        APPEAL = "appeal", "A removed post was appealed"
        SANCTION_APPEAL = "sanction_appeal", "A sanction was appealed"

    review_item = models.ForeignKey(
        ReviewItem, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    appeal = models.ForeignKey(
        Appeal, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Whose moderators may act on it; empty for work on a member (a sanction's appeal),
    # which is for moderators of the whole forum.
    category = models.ForeignKey(
        "threads.Category", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    source = models.CharField(max_length=20, choices=Source.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["review_item", "source"],
                condition=Q(review_item__isnull=False),
                name="queue_alert_once_per_item_source",
            ),
            models.UniqueConstraint(
                fields=["appeal"],
                condition=Q(appeal__isnull=False),
                name="queue_alert_once_per_appeal",
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="queue_alert_recent")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class QueueDigestSubscription(models.Model):
    """A moderator's choice to get new queue work by e-mail, gathered once per
    QUEUE_DIGEST_SECONDS; `last_sent_until` is where the next digest starts."""

    moderator = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_digest"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_until = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Queue digest for {self.moderator_id}"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The moderation log is append-only.")

    def delete(self):
        raise PermissionError("The moderation log is append-only.")


class ModerationLogEntry(models.Model):
    """One decision, automatic or human. Append-only: the model refuses updates and
    deletes, and on PostgreSQL a trigger refuses them for every client too."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=40)
    target_type = models.CharField(max_length=20)
    target_id = models.BigIntegerField()
    target_label = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=1000, blank=True)
    rule = models.ForeignKey(
        Rule, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rule_version = models.PositiveIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="log_target"),
            models.Index(fields=["action", "-created_at"], name="log_action"),
        ]
        verbose_name_plural = "moderation log entries"

    def __str__(self) -> str:
        who = self.actor.username if self.actor_id else "automatic"
        return f"{who}: {self.action} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The moderation log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The moderation log is append-only.")


class DeniedImage(models.Model):
    """An image moderators removed from the forum, named by the SHA-256 of its bytes:
    both the file as uploaded and as the forum re-encoded it are listed, so it can be
    neither uploaded again nor shown in a new post."""

    sha256 = models.CharField(max_length=64, unique=True)
    reason = models.CharField(max_length=1000, blank=True)
    denied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Denied image {self.sha256[:12]}"


class UploadedImage(Image):
    """Members' uploaded images as the moderators' screens list them (where "deny" is)."""

    class Meta:
        proxy = True
        verbose_name = "uploaded image"
