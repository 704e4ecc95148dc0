"""Moderation screens in the admin panel. Every change goes through the services and
the action registry, so it is validated and logged."""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone

from forum.core import permissions
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


class ModeratorAccess:
    """Moderators work these screens by role, without per-model permissions."""

    def has_module_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)


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
class RuleAdmin(ModeratorAccess, admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "kind", "action", "enabled", "version", "updated_at")
    list_filter = ("kind", "action", "enabled")
    readonly_fields = ("version", "updated_at", "updated_by")

    def has_add_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)

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


class ReasonFilter(admin.SimpleListFilter):
    title = "reason"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return ReviewItem.Reason.choices

    def queryset(self, request, queryset):
        if self.value() in ReviewItem.Reason.values:
            # A text match on the JSON list works on both PostgreSQL and SQLite.
            return queryset.filter(reasons__icontains=f'"{self.value()}"')
        return queryset


class RuleFilter(admin.SimpleListFilter):
    title = "rule"
    parameter_name = "rule"

    def lookups(self, request, model_admin):
        return [(rule.pk, rule.name) for rule in Rule.objects.order_by("name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(post__verdicts__rule_id=int(self.value())).distinct()
        return queryset


class AgeFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"

    def lookups(self, request, model_admin):
        return [("1h", "Under an hour"), ("1d", "Under a day"), ("old", "Older than a day")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "1h":
            return queryset.filter(created_at__gte=now - dt.timedelta(hours=1))
        if self.value() == "1d":
            return queryset.filter(created_at__gte=now - dt.timedelta(days=1))
        if self.value() == "old":
            return queryset.filter(created_at__lt=now - dt.timedelta(days=1))
        return queryset


@admin.register(ReviewItem)
class ReviewItemAdmin(ModeratorAccess, admin.ModelAdmin):
    list_display = (
        "pk",
        "post_link",
        "author",
        "state",
        "reasons",
        "severity",
        "report_count",
        "claimed_by",
        "created_at",
    )
    list_filter = ("state", ReasonFilter, RuleFilter, "post__thread__category", AgeFilter)
    list_select_related = ("post__thread", "post__author", "claimed_by")
    ordering = ("created_at",)
    sortable_by = ("pk", "severity", "created_at", "report_count")
    readonly_fields = [f.name for f in ReviewItem._meta.fields]
    actions = [approve_items, remove_items]
    change_form_template = "admin/moderation/reviewitem/change_form.html"
    change_list_template = "admin/moderation/reviewitem/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(report_count=Count("post__reports"))

    @admin.display(description="reports", ordering="report_count")
    def report_count(self, item) -> int:
        return item.report_count

    @admin.display(description="post")
    def post_link(self, item) -> str:
        return f"Post {item.post_id} in “{item.post.thread.title}”"

    @admin.display(description="author")
    def author(self, item) -> str:
        return item.post.author.username

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)

    def changelist_view(self, request, extra_context=None):
        pending = ReviewItem.objects.filter(state=ReviewItem.State.PENDING)
        counts = [
            (label, pending.filter(reasons__icontains=f'"{value}"').count())
            for value, label in ReviewItem.Reason.choices
        ]
        extra = {"reason_counts": counts, "pending_total": pending.count()}
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def get_urls(self):
        urls = super().get_urls()
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<int:pk>/decide/", decide, name="moderation_reviewitem_decide"), *urls]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = (
            ReviewItem.objects.select_related("post__thread", "post__author")
            .filter(pk=object_id)
            .first()
        )
        extra = _item_context(item) if item else {}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def decide_view(self, request, pk: int):
        """One of the item page's buttons: an action from the registry on the item's
        post (or a sanction on its author), claimed first so two moderators do not
        decide the same item."""
        item = ReviewItem.objects.select_related("post").filter(pk=pk).first()
        back = reverse("admin:moderation_reviewitem_change", args=[pk])
        if item is None or request.method != "POST":
            return redirect(back)
        name = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        try:
            if item.state == ReviewItem.State.PENDING:
                services.review_item_claim(moderator=request.user, item=item)
            if name in ("silence", "suspend", "ban"):
                result = actions.perform(
                    name, actor=request.user, target=item.post.author, reason=reason
                )
            else:
                result = actions.perform(name, actor=request.user, target=item.post, reason=reason)
        except ForumError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, result.message)
        return redirect(reverse("admin:moderation_reviewitem_changelist"))


def _item_context(item: ReviewItem) -> dict:
    """What a moderator needs to decide: the post, each verdict with its evidence marked
    in the paragraph it points at, the reports, and the author's history."""
    from moderation.content import content_from_html

    post = item.post
    revision_html = post.current_revision.body_html if post.current_revision_id else post.body_html
    paragraphs = content_from_html(revision_html).paragraphs
    verdicts = list(
        Verdict.objects.filter(revision_id=post.current_revision_id).select_related("rule")
    )
    evidence = []
    for verdict in verdicts:
        for span in verdict.spans:
            index = span.get("paragraph", -1)
            if 0 <= index < len(paragraphs):
                text = paragraphs[index].text
                evidence.append(
                    {
                        "verdict": verdict,
                        "paragraph": index,
                        "before": text[max(0, span["start"] - 120) : span["start"]],
                        "match": text[span["start"] : span["end"]],
                        "after": text[span["end"] : span["end"] + 120],
                    }
                )
    author = post.author
    return {
        "item_post": post,
        "verdicts": verdicts,
        "evidence": evidence,
        "reports": Report.objects.filter(post=post).select_related("reporter"),
        "author_recent_posts": author.posts.select_related("thread").order_by("-created_at")[:10],
        "author_sanctions": Sanction.objects.filter(user=author).order_by("-starts_at")[:10],
        "post_actions": [a for a in actions.actions_for("post") if a.name not in ("edit", "split")],
        "user_actions": actions.actions_for("user"),
    }


class ReadOnlyAdmin(ModeratorAccess, admin.ModelAdmin):
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
