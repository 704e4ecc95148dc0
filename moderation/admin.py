"""Moderation screens in the admin panel. Every change goes through the services and
the action registry, so it is validated and logged."""

from django import forms
from django.contrib import admin, messages

from forum.core.errors import ForumError
from moderation import actions, services
from moderation.models import (
    Appeal,
    ModerationLogEntry,
    Report,
    ReviewItem,
    Rule,
    Sanction,
    Verdict,
)


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ("name", "kind", "action", "params", "enabled", "categories")

    def clean(self):
        from moderation.rules import InvalidRuleParams, get_kind

        cleaned = super().clean()
        try:
            kind = get_kind(cleaned.get("kind", ""))
        except LookupError:
            self.add_error("kind", "Unknown rule kind.")
            return cleaned
        try:
            cleaned["params"] = kind.validate_params(cleaned.get("params") or {})
        except InvalidRuleParams as exc:
            self.add_error("params", str(exc))
        return cleaned


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "kind", "action", "enabled", "version", "updated_at")
    list_filter = ("kind", "action", "enabled")
    readonly_fields = ("version", "updated_at", "updated_by")

    def save_model(self, request, obj, form, change):
        try:
            saved = services.rule_save(
                actor=request.user,
                rule=obj if change else None,
                name=obj.name,
                kind=obj.kind,
                params=obj.params,
                action=obj.action,
                enabled=obj.enabled,
                categories=form.cleaned_data.get("categories", []),
            )
        except ForumError as exc:
            messages.error(request, exc.message)
            return
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        # rule_save already set the categories.
        pass


def _decide(request, queryset, action_name: str, reason: str) -> None:
    done = 0
    for item in queryset.select_related("post"):
        try:
            actions.perform(action_name, actor=request.user, target=item.post, reason=reason)
            done += 1
        except ForumError as exc:
            messages.error(request, f"Item {item.pk}: {exc.message}")
    messages.success(request, f"{done} item(s): {action_name}.")


@admin.action(description="Approve the selected posts")
def approve_items(modeladmin, request, queryset):
    _decide(request, queryset, "approve", "Approved from the queue")


@admin.action(description="Remove the selected posts (spam)")
def remove_items(modeladmin, request, queryset):
    _decide(request, queryset, "remove", "Removed from the queue as spam")


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    list_display = ("pk", "post", "state", "reasons", "severity", "claimed_by", "created_at")
    list_filter = ("state",)
    list_select_related = ("post__thread", "claimed_by")
    readonly_fields = [f.name for f in ReviewItem._meta.fields]
    actions = [approve_items, remove_items]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ModerationLogEntry)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "actor",
        "action",
        "target_type",
        "target_label",
        "reason",
        "rule",
        "rule_version",
    )
    list_filter = ("action", "target_type", "created_at")
    search_fields = ("target_label", "reason", "actor__username")
    list_select_related = ("actor", "rule")


@admin.register(Verdict)
class VerdictAdmin(ReadOnlyAdmin):
    list_display = ("post", "rule", "rule_version", "action", "score", "detail", "created_at")
    list_filter = ("action", "rule")
    list_select_related = ("post__thread", "rule")


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ("post", "reporter", "reason", "paragraph", "status", "created_at")
    list_filter = ("status", "reason")
    list_select_related = ("post__thread", "reporter")


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ("post", "author", "created_at")


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "reason", "starts_at", "ends_at", "lifted_at", "created_by")
    list_filter = ("kind",)
    list_select_related = ("user", "created_by")
