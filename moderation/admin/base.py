"""What the moderation screens share: access by role, read-only record screens, scoping
to the categories a moderator moderates, and small helpers for their forms."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.text import Truncator

from forum.core import permissions
from forum.core.admin import ViewOnly
from forum.threads.models import Category


class LaidOutForModerators:
    """The moderation app's admin stylesheet (responsive tables, the item page's post)
    on the screens of a model admin."""

    class Media:
        css = {"all": ["moderation/admin.css"]}


class ModeratorAccess:
    """Moderators work these screens by role, without per-model permissions."""

    def has_module_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)


class ForumRecordsAccess:
    """Records that belong to no category (sanctions, their appeals) are for moderators
    of the whole forum."""

    def has_module_permission(self, request) -> bool:
        return permissions.can_view_forum_records(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_view_forum_records(request.user)


class ReadOnlyAdmin(LaidOutForModerators, ModeratorAccess, ViewOnly, admin.ModelAdmin):
    """Nobody, superusers included, adds, changes or deletes these rows here."""


class ScopedToModeratedCategories:
    """Rows about posts, limited to the categories the moderator moderates."""

    category_field = "post__thread__category"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(permissions.moderated_q(request.user, category_field=self.category_field))
        )


def scope_names(user) -> list[str]:
    """The names of the categories `user` is limited to; empty for the whole forum."""
    scope = permissions.moderated_category_ids(user)
    if scope is None:
        return []
    return list(Category.objects.filter(pk__in=scope).values_list("name", flat=True))


def clipped(text: str, *, limit: int) -> str:
    """`text` for a table cell: whole when it is short, otherwise its first `limit`
    characters and an ellipsis, with the whole text as the title a pointer shows."""
    if len(text) <= limit:
        return text
    return format_html('<span title="{}">{}</span>', text, Truncator(text).chars(limit))
