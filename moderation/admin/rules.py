"""Rules in the admin panel: list, edit, and try a draft against recent posts before it is
enabled. Every save goes through `services.rule_save`, which checks and logs it."""

import hashlib
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from forum.core import permissions
from forum.core.errors import ForumError
from forum.threads.models import Category
from moderation import backtest, services
from moderation.admin.base import ModeratorAccess
from moderation.models import Rule
from moderation.rules import RULE_KINDS, InvalidRuleParams, get_kind

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
        return permissions.can_manage_rules(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.can_manage_rules(request.user)

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
        if not permissions.can_manage_rules(request.user):
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
