"""The moderation log and the records behind decisions (verdicts, reports, appeals,
sanctions) in the admin panel: read-only, and limited to what the moderator may see
(moderation.selectors)."""

from django.contrib import admin

from forum.accounts.models import Sanction, User
from forum.core.text import whole_number
from moderation import actions, selectors
from moderation.admin.base import (
    ForumRecordsAccess,
    ReadOnlyAdmin,
    ScopedToModeratedCategories,
    clipped,
)
from moderation.models import Appeal, ModerationLogEntry, Report, Verdict


class ActorFilter(admin.SimpleListFilter):
    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        # Whoever has acted, former moderators included.
        acted = ModerationLogEntry.objects.filter(actor__isnull=False).values("actor_id")
        staff = User.objects.filter(pk__in=acted).order_by("username")
        return [("automatic", "Automatic (rules, expiry)")] + [
            (str(pk), username) for pk, username in staff.values_list("pk", "username")
        ]

    def queryset(self, request, queryset):
        if self.value() == "automatic":
            return queryset.filter(actor__isnull=True)
        if (actor_id := whole_number(str(self.value() or ""))) is not None:
            return queryset.filter(actor_id=actor_id)
        return queryset


class TargetTypeFilter(admin.SimpleListFilter):
    title = "target"
    parameter_name = "target_type"

    def lookups(self, request, model_admin):
        return [("post", "Posts"), ("thread", "Threads"), ("user", "Members"), ("rule", "Rules")]

    def queryset(self, request, queryset):
        if self.value():
            # ?target_id= narrows it to one target; Django applies that as a field lookup.
            return queryset.filter(target_type=self.value())
        return queryset


class ActionFilter(admin.SimpleListFilter):
    title = "action"
    parameter_name = "action_name"

    def lookups(self, request, model_admin):
        names = sorted({*actions.ACTIONS, "hold", "reject", "appeal", "lift_sanction"})
        return [(name, name) for name in names] + [
            ("rule_create", "rule_create"),
            ("rule_edit", "rule_edit"),
            ("rule_enable_untried", "rule_enable_untried"),
            ("sanction_expired", "sanction_expired"),
            ("set_role", "set_role"),
            ("hide_thread", "hide_thread"),
            ("remove_thread", "remove_thread"),
            ("restore_thread", "restore_thread"),
            ("set_trust_level", "set_trust_level"),
            ("set_moderation_scope", "set_moderation_scope"),
            ("set_active", "set_active"),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(ModerationLogEntry)
class ModerationLogAdmin(ReadOnlyAdmin):
    # Long reasons, targets and rule names are cut short with the whole text on hover,
    # so that every column keeps a readable width beside the filters.
    list_display = ("created_at", "actor", "action", "target", "short_reason", "rule_used")
    list_filter = (ActorFilter, ActionFilter, TargetTypeFilter, "created_at")
    date_hierarchy = "created_at"
    search_fields = ("target_label", "reason", "actor__username")
    list_select_related = ("actor", "rule")
    list_per_page = 100

    def get_queryset(self, request):
        return selectors.log_entries(user=request.user)

    @admin.display(description="target", ordering="target_label")
    def target(self, entry) -> str:
        return clipped(entry.target_label or f"{entry.target_type} {entry.target_id}", limit=80)

    @admin.display(description="reason")
    def short_reason(self, entry) -> str:
        return clipped(entry.reason, limit=140)

    @admin.display(description="rule", ordering="rule__name")
    def rule_used(self, entry) -> str | None:
        """The rule's name and the version that acted, not the rule's current one."""
        if entry.rule_id is None:
            return None
        version = f" v{entry.rule_version}" if entry.rule_version else ""
        return clipped(f"{entry.rule.name}{version}", limit=48)

    def get_actions(self, request):
        return {}


@admin.register(Verdict)
class VerdictAdmin(ScopedToModeratedCategories, ReadOnlyAdmin):
    list_display = ("post", "rule", "rule_version", "action", "score", "detail", "created_at")
    list_filter = ("action", "rule")
    list_select_related = ("post__thread", "rule")


@admin.register(Report)
class ReportAdmin(ScopedToModeratedCategories, ReadOnlyAdmin):
    list_display = ("post", "reporter", "reason", "paragraph", "status", "created_at")
    list_filter = ("status", "reason")
    list_select_related = ("post__thread", "reporter")


@admin.register(Appeal)
class AppealAdmin(ScopedToModeratedCategories, ReadOnlyAdmin):
    list_display = ("post", "author", "message", "created_at")
    list_select_related = ("post__thread", "author")


@admin.register(Sanction)
class SanctionAdmin(ForumRecordsAccess, ReadOnlyAdmin):
    """Sanctions belong to no category: for moderators of the whole forum."""

    list_display = ("user", "kind", "reason", "starts_at", "ends_at", "lifted_at", "created_by")
    list_filter = ("kind",)
    search_fields = ("user__username", "reason")
    list_select_related = ("user", "created_by")

    def get_queryset(self, request):
        return selectors.sanctions(user=request.user)
