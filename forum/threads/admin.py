from django.contrib import admin

from forum.core.admin import AdministratorsOnly, ViewOnly
from forum.threads.models import Category, Post, PostRevision, Thread


@admin.register(Category)
class CategoryAdmin(AdministratorsOnly, admin.ModelAdmin):
    list_display = ("name", "slug", "position", "moderation_mode")
    prepopulated_fields = {"slug": ("name",)}

    def get_deleted_objects(self, objs, request):
        """A category's threads, moderator scopes and the rules limited to it protect it;
        the delete page lists them, rather than a permission to delete them nobody has
        (they move, or change scope, through their own logged services)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set() if protected else perms_needed, protected


@admin.register(Thread)
class ThreadAdmin(ViewOnly, AdministratorsOnly, admin.ModelAdmin):
    """Administrators look threads up here; they change them through the moderation
    actions (lock, pin, move, merge, hide or remove the whole thread), which keep the
    counters, the caches, the log and the events that a raw edit of the row would not."""

    list_display = (
        "title",
        "category",
        "author",
        "state",
        "reply_count",
        "is_pinned",
        "is_locked",
        "last_activity_at",
    )
    list_filter = ("state", "category", "is_pinned", "is_locked", "is_deleted")
    search_fields = ("title",)
    list_select_related = ("category", "author")
    raw_id_fields = ("author", "opening_post")
    readonly_fields = ("reply_count", "last_position", "last_activity_at", "created_at")


class RevisionInline(admin.TabularInline):
    model = PostRevision
    fields = ("number", "editor", "reason", "created_at", "checked_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Post)
class PostAdmin(ViewOnly, AdministratorsOnly, admin.ModelAdmin):
    """Administrators look posts up here; they change them through the moderation actions
    (the review queue, the web UI's moderator links, the API), which keep what a raw edit
    of the row would not: the rendered body, the counters, the log, the fan-out."""

    list_display = ("pk", "thread", "author", "state", "depth", "created_at", "deleted_at")
    list_filter = ("state",)
    list_select_related = ("thread", "author")
    raw_id_fields = ("thread", "author", "parent", "current_revision", "deleted_by")
    inlines = [RevisionInline]


@admin.register(PostRevision)
class PostRevisionAdmin(ViewOnly, AdministratorsOnly, admin.ModelAdmin):
    """A post's history is written by editing the post, never here."""

    list_display = ("post", "number", "editor", "created_at", "checked_at")
    raw_id_fields = ("post", "editor")
    readonly_fields = ("body_source", "body_html", "created_at", "checked_at")
