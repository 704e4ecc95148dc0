from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from forum.core.states import PostState

__all__ = [
    "Bookmark",
    "Category",
    "Draft",
    "Image",
    "Post",
    "PostRevision",
    "PostState",
    "Reaction",
    "ReactionKind",
    "Thread",
    "ThreadRead",
]


class Category(models.Model):
    class ModerationMode(models.TextChoices):
        POST_MODERATED = "post", "Post-moderated (posts appear at once, checked after)"
        PRE_MODERATED = "pre", "Pre-moderated (every post waits for approval)"

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=1000)
    position = models.PositiveIntegerField(default=0)
    moderation_mode = models.CharField(
        max_length=8, choices=ModerationMode.choices, default=ModerationMode.POST_MODERATED
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Thread(models.Model):
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="threads")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, allow_unicode=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="threads"
    )
    opening_post = models.OneToOneField(
        "Post", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The thread's own standing: a pending, hidden or removed thread is unlisted and
    # unreadable but to its author and its category's moderators. Hiding or removing
    # only the opening post leaves the thread and its replies readable.
    state = models.CharField(max_length=8, choices=PostState.choices, default=PostState.VISIBLE)
    # True while the thread is down because its opening post is: a new thread held for
    # review, or judged as a whole by the checks of its first revision. It comes back
    # when that post does.
    follows_opening_post = models.BooleanField(default=False)
    is_deleted = models.BooleanField(default=False)
    is_pinned = models.BooleanField(default=False)
    is_locked = models.BooleanField(default=False)
    reply_count = models.PositiveIntegerField(default=0)
    # The position handed to the newest post, or to the post made visible last (see
    # Post.published_position); allocated under a row lock on the thread.
    last_position = models.PositiveIntegerField(default=0)
    last_activity_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    # Rises with every change to the thread or any of its posts: readers' caches and
    # ETags are keyed on it.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            models.Index(
                fields=["category", "state", "-is_pinned", "-last_activity_at"],
                name="thread_category_latest",
            ),
            models.Index(fields=["state", "-last_activity_at"], name="thread_latest"),
            # The home page's order (pinned first): without it, listing the latest threads
            # sorts every visible thread (a seq scan, 300 ms at 20,000 threads).
            models.Index(
                fields=["state", "-is_pinned", "-last_activity_at"], name="thread_latest_pinned"
            ),
            # The same order for a signed-in member, who also sees their own threads in
            # any state: `state = 'visible' OR author_id = …` cannot use an index that
            # starts with the state, so their list walked and sorted every thread.
            models.Index(
                fields=["-is_pinned", "-last_activity_at", "-id"], name="thread_latest_any_state"
            ),
            # The API's latest list for a signed-in caller: its cursor order has no pins.
            models.Index(fields=["-last_activity_at", "-id"], name="thread_activity_any_state"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("web:thread", kwargs={"pk": self.pk, "slug": self.slug})


class Post(models.Model):
    """A post: the opening post of a thread (position 1) or a reply at any depth.

    `path` is the reading-order key: the concatenation of fixed-width base-36 positions
    from the root down, so one ORDER BY path over (thread, path) reads a thread as a tree.
    Below MAX_PATH_DEPTH levels, descendants share their deepest ancestor's prefix and
    follow in the order they were written, which keeps every key short enough to index."""

    SEGMENT_WIDTH = 7  # 36**7 positions per thread, about 78 billion
    MAX_PATH_DEPTH = 64
    WORDS_PER_MINUTE = 230

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    position = models.PositiveIntegerField()
    # The post's place in the order the thread's posts became readable to members, which
    # read marks follow (ThreadRead): its position when it was visible as written, or the
    # thread's next position, taken in the write that makes it visible (an approval, a
    # restore). A post shown late is so new to readers who read past where it was written.
    published_position = models.PositiveIntegerField()
    depth = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=SEGMENT_WIDTH * MAX_PATH_DEPTH)
    state = models.CharField(max_length=8, choices=PostState.choices, default=PostState.VISIBLE)
    state_reason = models.CharField(max_length=500, blank=True)
    body_source = models.TextField()
    body_html = models.TextField()
    # Who the current text mentions and which posts it quotes (quoted text's own
    # mentions excluded), for notifications.
    mentions = models.JSONField(default=list, blank=True)
    quoted_post_ids = models.JSONField(default=list, blank=True)
    # Derived from the current text when it is written, so reading a post parses nothing:
    # [[level, text, anchor id], ...] of its headings, and its length in words.
    headings = models.JSONField(default=list, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    current_revision = models.OneToOneField(
        "PostRevision", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revision_count = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    # Set when the post becomes visible and its fan-out is asked for; cleared by the
    # fan-out task once every batch is enqueued. A post still due past the grace period
    # lost its task (a broker away at the time, retries used up): the sweep sends it
    # again, and deliveries being once per member and post make that harmless. A visible
    # post in a thread readers cannot see stays due until the thread is back.
    fan_out_due_at = models.DateTimeField(null=True, blank=True)
    # Soft deletion by the author or a moderator: readers see a placeholder, moderators
    # still see the content.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The members' reactions to the post, counted by kind ({"agree": 2}; kinds nobody
    # gave are absent) and in all, kept in the transaction that adds or takes one, so
    # that a page reads them with the post and sorts by them without counting.
    reaction_counts = models.JSONField(default=dict, blank=True)
    reaction_total = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["thread", "position"], name="post_unique_position"),
            # Also the index behind "what came after this member's mark".
            models.UniqueConstraint(
                fields=["thread", "published_position"], name="post_unique_published_position"
            ),
        ]
        indexes = [
            models.Index(fields=["thread", "path"], name="post_reading_order"),
            # A thread's replies most reacted to first, the newest first among equals.
            models.Index(
                fields=["thread", "-reaction_total", "-position"], name="post_most_reacted"
            ),
            models.Index(fields=["author", "-created_at"], name="post_author_recent"),
            # Only posts whose fan-out is under way or waits for their thread.
            models.Index(
                fields=["fan_out_due_at"],
                condition=models.Q(fan_out_due_at__isnull=False),
                name="post_fan_out_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Post {self.pk} in thread {self.thread_id}"

    @property
    def is_opening_post(self) -> bool:
        return self.position == 1

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def reading_minutes(self) -> int:
        """Minutes an unhurried reader needs for the text, rounded up; at least 1."""
        return max(1, -(-self.word_count // self.WORDS_PER_MINUTE))


class PostRevision(models.Model):
    """The text of a post at one point in time. The first revision is the original."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200, blank=True)
    body_source = models.TextField()
    body_html = models.TextField()
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set once the moderation pipeline has checked this revision; the sweep re-enqueues
    # revisions that stay unchecked (for example while the broker was down).
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "number"], name="revision_unique_number"),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="revision_unchecked",
                condition=models.Q(checked_at__isnull=True),
            ),
        ]
        ordering = ["post", "number"]

    def __str__(self) -> str:
        return f"Revision {self.number} of post {self.post_id}"


class Image(models.Model):
    """An image a member uploaded to show in posts. The stored file is the re-encoded
    image, named by the SHA-256 of its bytes, so that one picture uploaded many times is
    stored once; each member who uploads it has a row of their own (their alt text, their
    upload count). `original_sha256` is the hash of the bytes as they were sent, which a
    deny list can name too."""

    class Format(models.TextChoices):
        PNG = "png", "PNG"
        WEBP = "webp", "WebP"

    sha256 = models.CharField(max_length=64)
    original_sha256 = models.CharField(max_length=64)
    file = models.FileField(max_length=200)
    format = models.CharField(max_length=4, choices=Format.choices)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField(help_text="bytes")
    alt = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sha256", "uploaded_by"], name="image_unique_upload"),
        ]
        indexes = [
            models.Index(fields=["uploaded_by", "created_at"], name="image_uploads_by_member"),
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.alt} ({self.sha256[:12]})"

    @property
    def url(self) -> str:
        return self.file.url


class ReactionKind(models.TextChoices):
    """The few reactions a reader may give a post: judgements an analysis can be sorted
    and weighed by, not moods."""

    INSIGHTFUL = "insightful", "Insightful"
    AGREE = "agree", "Agree"
    DISAGREE = "disagree", "Disagree"
    SOURCES = "sources", "Sources?"


class Reaction(models.Model):
    """That `user` gave `post` a reaction of `kind`: at most once per kind, several kinds
    per post allowed. The post's counts (Post.reaction_counts) follow these rows."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index behind "which of these posts did I react to, and how".
            models.UniqueConstraint(fields=["user", "post", "kind"], name="reaction_once"),
        ]
        indexes = [
            # Who reacted to a post, by kind, the latest first.
            models.Index(fields=["post", "kind", "-created_at", "-id"], name="reaction_who"),
            models.Index(fields=["post", "-created_at", "-id"], name="reaction_who_any_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} post {self.post_id}"


class ThreadRead(models.Model):
    """How far `user` has read `thread`: every post up to `last_read_position` (a post's
    place in the order posts became readable, see Post.published_position) was shown to
    them, or is their own. A member with no row never opened the thread. The mark only
    moves forward (forum.threads.unread.services)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    last_read_position = models.PositiveIntegerField()
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Also the index behind "how far has this member read these threads".
            models.UniqueConstraint(fields=["user", "thread"], name="thread_read_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read thread {self.thread_id} to {self.last_read_position}"


class Bookmark(models.Model):
    """That `user` saved a post or a whole thread to come back to, with a note of their
    own. One per member and post, or per member and thread: saving again changes the note.
    A post's bookmark names only the post (a moderator may move it to another thread);
    a thread's names only the thread."""

    NOTE_MAX_LENGTH = 300

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookmarks"
    )
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(post__isnull=False, thread__isnull=True)
                | models.Q(post__isnull=True, thread__isnull=False),
                name="bookmark_post_or_thread",
            ),
            models.UniqueConstraint(
                fields=["user", "post"],
                condition=models.Q(post__isnull=False),
                name="bookmark_once_per_post",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=models.Q(thread__isnull=False),
                name="bookmark_once_per_thread",
            ),
        ]
        indexes = [
            # A member's bookmarks, the newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="bookmark_newest"),
        ]

    def __str__(self) -> str:
        target = f"post {self.post_id}" if self.post_id else f"thread {self.thread_id}"
        return f"{self.user_id} saved {target}"


class Draft(models.Model):
    """What a member is writing and has not posted yet, kept so that they can carry on
    from another device: one reply draft per member and thread (with the post it answers,
    when the form had one), and one draft of a new thread per member (with the category
    chosen, if any). Only its owner ever reads it; publishing deletes it."""

    class Kind(models.TextChoices):
        REPLY = "reply", "Reply"
        THREAD = "thread", "New thread"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, null=True, blank=True)
    parent_post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    category = models.ForeignKey(Category, on_delete=models.SET_NULL, null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=models.Q(kind="reply"),
                name="draft_one_reply_per_thread",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(kind="thread"),
                name="draft_one_new_thread",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="reply", thread__isnull=False)
                | models.Q(kind="thread", thread__isnull=True),
                name="draft_kind_matches_thread",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-updated_at", "-id"], name="draft_latest_of_member"),
        ]

    def __str__(self) -> str:
        where = f"thread {self.thread_id}" if self.thread_id else "a new thread"
        return f"{self.user_id}'s draft for {where}"
