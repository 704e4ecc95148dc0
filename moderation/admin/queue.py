"""The review queue in the admin panel: the list with its filters and bulk decisions, and
the item page with the post, every verdict's evidence in place, the reports, any appeal
and the author's history. Decisions go through the action registry, claimed first."""

import datetime as dt
from collections import Counter

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.timesince import timesince

from forum.core import permissions
from forum.core.admin import ViewOnly
from forum.core.errors import ForumError
from forum.core.text import whole_number
from forum.threads.models import Category
from moderation import actions, evidence, selectors, services
from moderation.admin import dashboard
from moderation.admin.base import LaidOutForModerators, ModeratorAccess, clipped, scope_names
from moderation.models import Appeal, Report, ReviewItem, Rule, Verdict


class QueueActionForm(helpers.ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "one reason for all selected"}),
    )


def _check_before_claiming(moderator, item: ReviewItem, action_name: str) -> None:
    """Refuse an action on the item's post that `moderator` may not take before they claim
    the item, so that it is not left claimed, out of other moderators' reach, by someone
    who may not decide it so (its author, approving it)."""
    action = actions.ACTIONS.get(action_name)
    if action is not None and action.target == "post":
        actions.check_allowed(action, actor=moderator, target=item.post)


def _bulk(request, queryset, action_name: str, reason: str) -> int:
    """Claim each selected item and run `action_name` through the registry on its post,
    each one logged on its own. Items another moderator is reviewing, or that the
    moderator may not decide, are named in an error, not skipped silently."""
    done, failed = 0, 0
    for item in queryset.select_related("post__thread"):
        try:
            _check_before_claiming(request.user, item, action_name)
            if item.state == ReviewItem.State.PENDING:
                services.review_item_claim(moderator=request.user, item=item)
            actions.perform(action_name, actor=request.user, target=item.post, reason=reason)
        except ForumError as exc:
            failed += 1
            messages.error(request, f"Item {item.pk}: {exc.message}")
        else:
            done += 1
    if done:
        messages.success(request, f"{action_name.capitalize()}: {done} item(s), each logged.")
    return failed


def _typed_reason(request) -> str:
    return request.POST.get("reason", "").strip()


@admin.action(description="Approve the selected posts")
def approve_items(modeladmin, request, queryset):
    _bulk(request, queryset, "approve", _typed_reason(request) or "Approved from the queue")


@admin.action(description="Remove the selected posts (give a reason)")
def remove_items(modeladmin, request, queryset):
    if not _typed_reason(request):
        return _ask_for_reason(modeladmin, request, queryset, "remove_items", "Remove")
    _bulk(request, queryset, "remove", _typed_reason(request))
    return None


@admin.action(description="Hide the selected posts (give a reason)")
def hide_items(modeladmin, request, queryset):
    if not _typed_reason(request):
        return _ask_for_reason(modeladmin, request, queryset, "hide_items", "Hide")
    _bulk(request, queryset, "hide", _typed_reason(request))
    return None


def _ask_for_reason(modeladmin, request, queryset, action: str, label: str):
    """An intermediate page, like Django's delete confirmation, asking for the one
    reason that every selected item's decision will carry."""
    return TemplateResponse(
        request,
        "admin/moderation/reviewitem/bulk_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": f"{label} {queryset.count()} post(s)",
            "items": queryset.select_related("post__thread", "post__author"),
            "action": action,
            "label": label,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


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
        return [
            (str(pk), name) for pk, name in Rule.objects.order_by("name").values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        # Facet counts pass the lookup's value as given.
        if (rule_id := whole_number(str(self.value() or ""))) is not None:
            # A subquery, not a join, so the reporter counts are not multiplied.
            fired = Verdict.objects.filter(rule_id=rule_id).values("post_id")
            return queryset.filter(post_id__in=fired)
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    title = "category"
    parameter_name = "category"

    def lookups(self, request, model_admin):
        categories = Category.objects.filter(
            permissions.moderated_q(request.user, category_field="pk")
        )
        return [(str(pk), name) for pk, name in categories.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if (category_id := whole_number(str(self.value() or ""))) is not None:
            return queryset.filter(post__thread__category_id=category_id)
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


class ReporterCountFilter(admin.SimpleListFilter):
    title = "reporters"
    parameter_name = "reporters"

    def lookups(self, request, model_admin):
        return [("0", "None"), ("1", "1 or more"), ("2", "2 or more"), ("3", "3 or more")]

    def queryset(self, request, queryset):
        if self.value() == "0":
            return queryset.filter(reporter_count=0)
        if self.value() in ("1", "2", "3"):
            return queryset.filter(reporter_count__gte=int(self.value()))
        return queryset


@admin.register(ReviewItem)
class ReviewItemAdmin(LaidOutForModerators, ModeratorAccess, ViewOnly, admin.ModelAdmin):
    """The item page is read-only: decisions go through decide_view and the actions."""

    # Few columns, each holding what belongs together, so the list fits beside its
    # filters at 1280 px; on a phone each row becomes a card (moderation/admin.css).
    list_display = ("post_link", "state_claimed", "why", "severity", "reporter_count", "waiting")
    list_display_links = ("post_link",)
    list_filter = (
        "state",
        ReasonFilter,
        RuleFilter,
        CategoryFilter,
        AgeFilter,
        ReporterCountFilter,
    )
    ordering = ("created_at", "pk")
    sortable_by = ("severity", "waiting", "reporter_count")
    # The post is shown above as readers see it; its own admin is for administrators.
    fields = readonly_fields = [f.name for f in ReviewItem._meta.fields if f.name != "post"]
    actions = [approve_items, remove_items, hide_items]
    action_form = QueueActionForm
    list_per_page = 50
    change_form_template = "admin/moderation/reviewitem/change_form.html"
    change_list_template = "admin/moderation/reviewitem/change_list.html"

    def get_queryset(self, request):
        return selectors.review_queue(user=request.user)

    @admin.display(description="reporters", ordering="reporter_count")
    def reporter_count(self, item) -> int:
        return item.reporter_count

    @admin.display(description="why")
    def why(self, item) -> str:
        return ", ".join(item.reason_labels())

    @admin.display(description="waiting", ordering="created_at")
    def waiting(self, item) -> str:
        if item.state == ReviewItem.State.PENDING:
            return timesince(item.created_at)
        return f"decided {timesince(item.created_at, item.decided_at)} after queueing"

    @admin.display(description="post")
    def post_link(self, item) -> str:
        return format_html(
            '{}<span class="parley-meta">{} · by {}</span>',
            clipped(f"Post {item.post_id} in “{item.post.thread.title}”", limit=120),
            item.post.thread.category.name,
            item.post.author.identified_name,
        )

    @admin.display(description="state", ordering="state")
    def state_claimed(self, item) -> str:
        if item.claimed_by_id:
            return format_html(
                '{}<span class="parley-meta">claimed by {}</span>',
                item.get_state_display(),
                item.claimed_by.username,
            )
        return item.get_state_display()

    def get_actions(self, request):
        # Django's "delete selected" never applies: decisions go through the registry.
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    def changelist_view(self, request, extra_context=None):
        # The queue opens on what is waiting; "state" in the query shows decided items.
        if request.method == "GET" and not any(k.startswith("state") for k in request.GET):
            query = {**request.GET.dict(), "state__exact": ReviewItem.State.PENDING}
            return HttpResponseRedirect(f"{request.path}?{urlencode(query)}")
        counts = selectors.review_queue_counts(user=request.user)
        columns = ["action_checkbox", *self.list_display]
        sorts = [
            ("Oldest first", f"{columns.index('waiting')}"),
            ("Newest first", f"-{columns.index('waiting')}"),
            ("Most severe first", f"-{columns.index('severity')}"),
            ("Most reporters first", f"-{columns.index('reporter_count')}"),
        ]
        extra = {
            "reason_counts": [(v, label, n) for v, label, n in counts["by_reason"]],
            "pending_total": counts["total"],
            "sort_links": [
                (label, "?" + urlencode({**request.GET.dict(), "o": order}))
                for label, order in sorts
            ],
            "scope_names": scope_names(request.user),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        figures = self.admin_site.admin_view(dashboard.dashboard_view(self))
        return [
            path("<int:pk>/decide/", decide, name="moderation_reviewitem_decide"),
            path("dashboard/", figures, name="moderation_dashboard"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # As Django's own change view finds it: an id that is no number is no item.
        item = self.get_object(request, unquote(object_id)) if object_id else None
        extra = _item_context(item, request.user) if item else {}
        extra["changelist_filters"] = request.GET.get("_changelist_filters", "")
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def decide_view(self, request, pk: int):
        """One of the item page's buttons: an action from the registry on the item's
        post (or a sanction on its author, until an optional end time), claimed first so
        two moderators do not decide the same item."""
        item = self.get_queryset(request).filter(pk=pk).first()
        if item is None:
            raise Http404("No such review item in the categories you moderate.")
        back = reverse("admin:moderation_reviewitem_change", args=[pk])
        if request.method != "POST":
            return redirect(back)
        name = request.POST.get("action", "")
        reason = request.POST.get("reason", "")
        try:
            _check_before_claiming(request.user, item, name)
            if item.state == ReviewItem.State.PENDING:
                services.review_item_claim(moderator=request.user, item=item)
            if name in ("silence", "suspend", "ban"):
                params = {}
                ends_at = request.POST.get("ends_at", "").strip()
                if ends_at:
                    params["ends_at"] = ends_at
                result = actions.perform(
                    name, actor=request.user, target=item.post.author, reason=reason, **params
                )
            else:
                result = actions.perform(name, actor=request.user, target=item.post, reason=reason)
        except ForumError as exc:
            messages.error(request, exc.message)
            return redirect(back)
        messages.success(request, f"Item {item.pk}: {result.message}")
        if name in ("silence", "suspend", "ban"):
            return redirect(back)
        changelist = reverse("admin:moderation_reviewitem_changelist")
        filters = request.POST.get("_changelist_filters", "")
        return redirect(f"{changelist}?{filters}" if filters else changelist)


def _item_context(item: ReviewItem, user) -> dict:
    """What a moderator needs to decide: the post with every verdict's evidence marked
    in it, the rules that fired, the reports, any appeal, and the author's history."""
    post = item.post
    # The verdicts' spans point into the current revision's markup; what readers see
    # differs from it only where a censoring rule masked words.
    revision_html = post.current_revision.body_html if post.current_revision_id else post.body_html
    verdicts = Verdict.objects.filter(revision_id=post.current_revision_id).select_related("rule")
    reports = list(Report.objects.filter(post=post).select_related("reporter"))
    reports_by_paragraph = Counter(r.paragraph for r in reports if r.paragraph is not None)
    author = post.author
    return {
        "item_post": post,
        "evidence": evidence.post_evidence(
            revision_html, list(verdicts), reports_by_paragraph=reports_by_paragraph
        ),
        "censored_for_readers": post.body_html != revision_html,
        "reports": reports,
        "appeal": Appeal.objects.filter(post=post).first(),
        "author_recent_posts": selectors.member_posts_for_moderator(member=author, moderator=user)[
            :10
        ],
        "author_sanctions": selectors.sanctions(user=user)
        .filter(user=author)
        .order_by("-starts_at")[:10],
        "author_active_sanctions": author.active_sanction_kinds()
        if permissions.can_view_forum_records(user)
        else frozenset(),
        "post_actions": [
            a
            for a in actions.actions_for("post")
            if a.name in ("approve", "hide", "remove", "restore")
            and actions.allowed(a, actor=user, target=post)
        ],
        "user_actions": actions.actions_for("user")
        if permissions.can_act_on_member(user, author)
        else [],
        "log_url": reverse("admin:moderation_moderationlogentry_changelist")
        + "?"
        + urlencode({"target_type": "post", "target_id": post.pk}),
        "member_posts_url": reverse("admin:accounts_user_posts", args=[author.pk]),
    }
