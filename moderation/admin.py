"""Moderation screens in the admin panel. Every change goes through the services and
the action registry, so it is checked by `forum.core.permissions`, validated and logged.

Moderators (by role) see these screens and nothing else; administrators see everything.
A moderator scoped to some categories sees and decides only the queue items of those
categories; site-wide decisions (rules, sanctions) are for moderators of the whole forum.
"""

import datetime as dt
import hashlib
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.timesince import timesince

from forum.core import permissions
from forum.core.admin import ViewOnly
from forum.core.errors import ForumError
from forum.threads.models import Category
from moderation import actions, backtest, selectors, services
from moderation.dashboard import decisions_chart_svg
from moderation.models import (
    Appeal,
    CategoryModerator,
    ModerationLogEntry,
    Report,
    ReviewItem,
    Rule,
    Sanction,
    Verdict,
)

admin.site.site_header = "Parley administration"
admin.site.site_title = "Parley admin"
admin.site.index_title = "Moderation and administration"
# The moderators' home: the review queue first, then the screens they may open.
admin.site.index_template = "admin/moderation/index.html"


class ModeratorAccess:
    """Moderators work these screens by role, without per-model permissions."""

    def has_module_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)


class ReadOnlyAdmin(ModeratorAccess, ViewOnly, admin.ModelAdmin):
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


# --- rules ----------------------------------------------------------------------------

TRIED_RULES_SESSION_KEY = "moderation_rules_tried"
MAX_TRYOUT_POSTS = 5000


def tryout_key(kind: str, params: dict) -> str:
    """Names a rule's behaviour (its kind and parameters) for "tried before enabled"."""
    text = json.dumps([kind, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _remember_tryout(request, key: str) -> None:
    tried = [k for k in request.session.get(TRIED_RULES_SESSION_KEY, []) if k != key]
    request.session[TRIED_RULES_SESSION_KEY] = [*tried[-49:], key]


def _was_tried(request, key: str) -> bool:
    return key in request.session.get(TRIED_RULES_SESSION_KEY, [])


def _clean_kind_and_params(form, cleaned: dict) -> None:
    """Validate the rule kind and normalise its parameters in `cleaned`, as rule_save
    will, so a mistake is shown next to its field."""
    from moderation.rules import InvalidRuleParams, get_kind

    try:
        kind = get_kind(cleaned.get("kind", ""))
    except LookupError:
        form.add_error("kind", "Unknown rule kind.")
        return
    try:
        cleaned["params"] = kind.validate_params(cleaned.get("params") or {})
    except InvalidRuleParams as exc:
        form.add_error("params", str(exc))


def _kind_choices() -> list[tuple[str, str]]:
    from moderation.rules import RULE_KINDS

    return [(name, name.replace("_", " ")) for name in sorted(RULE_KINDS)]


class RuleForm(forms.ModelForm):
    # Filled in per request by RuleAdmin.get_form: the rule behaviours tried out lately.
    tried_keys: frozenset[str] = frozenset()

    kind = forms.ChoiceField(choices=_kind_choices)

    class Meta:
        model = Rule
        fields = ("name", "kind", "action", "params", "enabled", "categories")

    def clean(self):
        cleaned = super().clean()
        _clean_kind_and_params(self, cleaned)
        untried = (
            cleaned.get("enabled")
            and not self.errors
            and self._changes_behaviour(cleaned)
            and tryout_key(cleaned["kind"], cleaned["params"]) not in self.tried_keys
        )
        if untried:
            self.add_error(
                "enabled",
                "Try this rule against recent posts before enabling it "
                "(“Try this rule” shows what it would catch).",
            )
        return cleaned

    def _changes_behaviour(self, cleaned) -> bool:
        # ModelForm copies the form onto the instance only after clean(): it is as saved.
        rule = self.instance
        if rule.pk is None or not rule.enabled:
            return True
        return rule.kind != cleaned["kind"] or rule.params != cleaned["params"]


class RuleTryoutForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=_kind_choices)
    action = forms.ChoiceField(choices=Rule.Action.choices, initial=Rule.Action.FLAG)
    params = forms.JSONField(
        required=False,
        initial=dict,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text='JSON, e.g. {"words": ["free money"]}.',
    )
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        required=False,
        help_text="None selected means every category.",
    )
    posts = forms.IntegerField(
        label="Try it on the most recent",
        min_value=1,
        max_value=MAX_TRYOUT_POSTS,
        initial=200,
        help_text=f"posts (at most {MAX_TRYOUT_POSTS}).",
    )

    def clean(self):
        cleaned = super().clean()
        _clean_kind_and_params(self, cleaned)
        return cleaned


@admin.register(Rule)
class RuleAdmin(ModeratorAccess, admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "kind", "action", "enabled", "version", "updated_at", "updated_by")
    list_filter = ("kind", "action", "enabled")
    search_fields = ("name",)
    readonly_fields = ("version", "updated_at", "updated_by")
    list_select_related = ("updated_by",)
    change_form_template = "admin/moderation/rule/change_form.html"

    def has_add_permission(self, request) -> bool:
        return permissions.is_forum_moderator(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_forum_moderator(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        # Verdicts and log entries point at rules: disable a rule instead.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        tried = frozenset(request.session.get(TRIED_RULES_SESSION_KEY, []))
        return type(form.__name__, (form,), {"tried_keys": tried})

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

    def get_urls(self):
        tryout = self.admin_site.admin_view(self.tryout_view)
        return [
            path("try/", tryout, name="moderation_rule_try"),
            path("<int:pk>/try/", tryout, name="moderation_rule_try_existing"),
            *super().get_urls(),
        ]

    def tryout_view(self, request, pk: int | None = None):
        """Run a draft of a rule (new, or an edit of rule `pk`) in dry-run over the most
        recent posts and show what it would catch, with the evidence; then save it,
        enabled or not. Enabling needs a try-out of exactly these parameters first."""
        if not permissions.is_forum_moderator(request.user):
            raise DjangoPermissionDenied
        rule = None
        if pk is not None:
            rule = Rule.objects.filter(pk=pk).first()
            if rule is None:
                raise Http404("No such rule.")
        result = None
        status = 200
        if request.method == "POST":
            form = RuleTryoutForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                key = tryout_key(data["kind"], data["params"])
                if "save_enabled" in request.POST or "save_disabled" in request.POST:
                    enable = "save_enabled" in request.POST
                    if enable and not _was_tried(request, key):
                        form.add_error(None, "Try these parameters before enabling the rule.")
                    else:
                        return self._save_tried(request, rule, data, enabled=enable)
                else:
                    draft = Rule(
                        pk=None,
                        name=data["name"],
                        kind=data["kind"],
                        params=data["params"],
                        action=data["action"],
                    )
                    posts = backtest.recent_posts(
                        data["posts"], category_ids=[c.pk for c in data["categories"]]
                    )
                    result = backtest.rule_backtest(draft, posts)
                    _remember_tryout(request, key)
            else:
                status = 400
        else:
            initial = {"posts": 200, "action": Rule.Action.FLAG, "params": {}}
            if rule is not None:
                initial.update(
                    name=rule.name,
                    kind=rule.kind,
                    action=rule.action,
                    params=rule.params,
                    categories=list(rule.categories.all()),
                )
            form = RuleTryoutForm(initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Try rule “{rule.name}”" if rule else "Try a new rule",
            "rule": rule,
            "form": form,
            "result": result,
            "examples": result.top(50) if result else [],
        }
        return TemplateResponse(
            request, "admin/moderation/rule/tryout.html", context, status=status
        )

    def _save_tried(self, request, rule, data, *, enabled: bool):
        try:
            saved = services.rule_save(
                actor=request.user,
                rule=rule,
                name=data["name"],
                kind=data["kind"],
                params=data["params"],
                action=data["action"],
                enabled=enabled,
                categories=data["categories"],
            )
        except ForumError as exc:
            messages.error(request, exc.message)
            return redirect(request.get_full_path())
        state = "enabled" if enabled else "saved, not enabled"
        messages.success(request, f"Rule “{saved.name}” (v{saved.version}) {state}.")
        return redirect(reverse("admin:moderation_rule_change", args=[saved.pk]))


# --- the review queue -------------------------------------------------------------------


class QueueActionForm(helpers.ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=500,
        label="Reason",
        widget=forms.TextInput(attrs={"size": 40, "placeholder": "one reason for all selected"}),
    )


def _bulk(request, queryset, action_name: str, reason: str) -> int:
    """Claim each selected item and run `action_name` through the registry on its post,
    each one logged on its own. Items another moderator is reviewing, or that the
    moderator may not decide, are named in an error, not skipped silently."""
    done, failed = 0, 0
    for item in queryset.select_related("post__thread"):
        try:
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
        value = str(self.value() or "")  # facet counts pass the lookup's value as given
        if value.isdigit():
            # A subquery, not a join, so the reporter counts are not multiplied.
            fired = Verdict.objects.filter(rule_id=int(value)).values("post_id")
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
        value = str(self.value() or "")
        if value.isdigit():
            return queryset.filter(post__thread__category_id=int(value))
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
class ReviewItemAdmin(ModeratorAccess, ViewOnly, admin.ModelAdmin):
    """The item page is read-only: decisions go through decide_view and the actions."""

    list_display = (
        "post_link",
        "category",
        "author",
        "state",
        "why",
        "severity",
        "reporter_count",
        "claimed_by",
        "waiting",
    )
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
    sortable_by = ("severity", "waiting", "reporter_count", "category")
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
        labels = dict(ReviewItem.Reason.choices)
        return ", ".join(labels.get(reason, reason) for reason in item.reasons)

    @admin.display(description="waiting", ordering="created_at")
    def waiting(self, item) -> str:
        if item.state == ReviewItem.State.PENDING:
            return timesince(item.created_at)
        return f"decided {timesince(item.created_at, item.decided_at)} after queueing"

    @admin.display(description="post")
    def post_link(self, item) -> str:
        return f"Post {item.post_id} in “{item.post.thread.title}”"

    @admin.display(description="category", ordering="post__thread__category__name")
    def category(self, item) -> str:
        return item.post.thread.category.name

    @admin.display(description="author")
    def author(self, item) -> str:
        return item.post.author.username

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
            "scope_names": _scope_names(request.user),
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        dashboard = self.admin_site.admin_view(self.dashboard_view)
        return [
            path("<int:pk>/decide/", decide, name="moderation_reviewitem_decide"),
            path("dashboard/", dashboard, name="moderation_dashboard"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_queryset(request).filter(pk=object_id).first() if object_id else None
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
            if item.state == ReviewItem.State.PENDING:
                services.review_item_claim(moderator=request.user, item=item)
            if name in ("silence", "suspend", "ban"):
                params = {}
                ends_at = request.POST.get("ends_at", "").strip()
                if ends_at:
                    params["ends_at"] = _parse_local_datetime(ends_at)
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

    def dashboard_view(self, request):
        figures = selectors.moderation_dashboard(
            category_ids=permissions.moderated_category_ids(request.user)
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Moderation dashboard",
            "figures": figures,
            "chart_svg": decisions_chart_svg(figures),
            "median_wait": _duration_words(figures.median_decision_seconds),
            "per_day": [
                (day, counts, sum(counts.values()), figures.reports_by_day.get(day, 0))
                for day, counts in reversed(figures.decisions_per_day())
            ],
            "actions": list(figures.decisions_by_action),
            "scope_names": _scope_names(request.user),
        }
        return TemplateResponse(request, "admin/moderation/dashboard.html", context)


def _parse_local_datetime(text: str) -> dt.datetime:
    """A sanction's end from a `datetime-local` field, in the site's time zone."""
    from forum.core.errors import ValidationFailed

    try:
        parsed = parse_datetime(text)
    except ValueError:  # well formed, but no such date (a 13th month)
        parsed = None
    if parsed is None:
        raise ValidationFailed.for_field("ends_at", "Give the end as a date and time.")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _duration_words(seconds: float | None) -> str:
    if seconds is None:
        return "no decisions yet"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _scope_names(user) -> list[str]:
    scope = permissions.moderated_category_ids(user)
    if scope is None:
        return []
    return list(Category.objects.filter(pk__in=scope).values_list("name", flat=True))


def _marked_paragraphs(paragraphs, verdicts, reported: set[int]) -> list[dict]:
    """Each paragraph of the post split into plain and marked runs, so every verdict's
    evidence is shown in place: [{"index", "runs": [(text, rule name or "")], ...}]."""
    spans_by_paragraph: dict[int, list[tuple[int, int, str]]] = {}
    for verdict in verdicts:
        for span in verdict.spans:
            index = span.get("paragraph", -1)
            if 0 <= index < len(paragraphs):
                spans_by_paragraph.setdefault(index, []).append(
                    (span["start"], span["end"], f"{verdict.rule.name} v{verdict.rule_version}")
                )
    marked = []
    for paragraph in paragraphs:
        text = paragraph.text
        runs, cursor = [], 0
        for start, end, label in sorted(spans_by_paragraph.get(paragraph.index, [])):
            start = max(start, cursor)
            if end <= start:
                continue  # covered by an earlier span
            runs.append((text[cursor:start], ""))
            runs.append((text[start:end], label))
            cursor = end
        runs.append((text[cursor:], ""))
        marked.append(
            {
                "index": paragraph.index,
                "runs": [run for run in runs if run[0]],
                "has_evidence": paragraph.index in spans_by_paragraph,
                "reported": paragraph.index in reported,
            }
        )
    return marked


def _item_context(item: ReviewItem, user) -> dict:
    """What a moderator needs to decide: the post, each verdict with its evidence marked
    in the paragraph it points at, the reports, any appeal, and the author's history."""
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
    reports = list(Report.objects.filter(post=post).select_related("reporter"))
    reported = {r.paragraph for r in reports if r.paragraph is not None}
    author = post.author
    may_sanction = permissions.is_forum_moderator(user) and author.pk != user.pk
    return {
        "item_post": post,
        "verdicts": verdicts,
        "evidence": evidence,
        "marked_paragraphs": _marked_paragraphs(paragraphs, verdicts, reported),
        "reports": reports,
        "appeal": Appeal.objects.filter(post=post).first(),
        "author_recent_posts": selectors.member_posts_for_moderator(member=author)[:10],
        "author_sanctions": Sanction.objects.filter(user=author).order_by("-starts_at")[:10],
        "author_active_sanctions": selectors.user_active_sanction_kinds(user=author),
        "post_actions": [
            a
            for a in actions.actions_for("post")
            if a.name in ("approve", "hide", "remove", "restore")
        ],
        "user_actions": actions.actions_for("user") if may_sanction else [],
        "log_url": reverse("admin:moderation_moderationlogentry_changelist")
        + "?"
        + urlencode({"target_type": "post", "target_id": post.pk}),
        "member_posts_url": reverse("admin:accounts_user_posts", args=[author.pk]),
    }


# --- the log and the records behind decisions --------------------------------------


class ActorFilter(admin.SimpleListFilter):
    title = "actor"
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        from forum.accounts.models import User

        staff = User.objects.filter(
            Q(role__in=(User.Role.MODERATOR, User.Role.ADMIN)) | Q(is_superuser=True)
        ).order_by("username")
        return [("automatic", "Automatic (rules, expiry)")] + [
            (str(pk), username) for pk, username in staff.values_list("pk", "username")
        ]

    def queryset(self, request, queryset):
        if self.value() == "automatic":
            return queryset.filter(actor__isnull=True)
        value = str(self.value() or "")
        if value.isdigit():
            return queryset.filter(actor_id=int(value))
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
            ("sanction_expired", "sanction_expired"),
            ("set_role", "set_role"),
            ("set_trust_level", "set_trust_level"),
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(action=self.value())
        return queryset


@admin.register(ModerationLogEntry)
class ModerationLogAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "actor",
        "action",
        "target_label",
        "reason",
        "rule",
        "rule_version",
    )
    list_filter = (ActorFilter, ActionFilter, TargetTypeFilter, "created_at")
    date_hierarchy = "created_at"
    search_fields = ("target_label", "reason", "actor__username")
    list_select_related = ("actor", "rule")
    list_per_page = 100

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
class SanctionAdmin(ReadOnlyAdmin):
    list_display = ("user", "kind", "reason", "starts_at", "ends_at", "lifted_at", "created_by")
    list_filter = ("kind",)
    search_fields = ("user__username", "reason")
    list_select_related = ("user", "created_by")


@admin.register(CategoryModerator)
class CategoryModeratorAdmin(admin.ModelAdmin):
    """Who moderates which categories. Administrators only (Django's model permissions:
    moderators hold none)."""

    list_display = ("moderator", "category", "created_at")
    list_filter = ("category",)
    list_select_related = ("moderator", "category")
    raw_id_fields = ("moderator",)
