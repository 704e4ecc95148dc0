"""Rules in the admin panel: list, add (choose a kind, then fill in its parameters), edit,
and try a draft against recent posts before it is enabled. Every save goes through
`services.rule_save`, which checks it, holds it to "try before enabling" and logs it."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from forum.core import permissions
from forum.core.errors import ForumError, ValidationFailed
from moderation import backtest, services
from moderation.admin.base import ModeratorAccess
from moderation.admin.rule_forms import param_field_name, rule_form_for, tryout_form_for
from moderation.models import Rule
from moderation.rules import RULE_KINDS, RuleKind


def _chosen_kind(request, rule: Rule | None) -> RuleKind | None:
    """The kind whose parameters the page shows: the one the form sent, the one asked
    for (?kind=, to switch), or the rule's own; None when none is known yet."""
    name = request.POST.get("kind") or request.GET.get("kind") or (rule.kind if rule else "")
    return RULE_KINDS.get(name)


def _other_kinds(kind: RuleKind) -> list[RuleKind]:
    return [other for name, other in sorted(RULE_KINDS.items()) if name != kind.name]


@admin.register(Rule)
class RuleAdmin(ModeratorAccess, admin.ModelAdmin):
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

    def get_fieldsets(self, request, obj=None):
        kind = _chosen_kind(request, obj)
        params = [param_field_name(param) for param in kind.parameters] if kind else []
        fieldsets = [
            (None, {"fields": ("name", "kind", "action")}),
            (f"Parameters: {kind.label}" if kind else "Parameters", {"fields": params}),
            (
                "Edit as JSON",
                {
                    "classes": ("collapse",),
                    "fields": ("params_from_json", "params_json"),
                    "description": kind.params_schema_help if kind else "",
                },
            ),
            (None, {"fields": ("enabled", "categories")}),
            (
                "Enable without a try-out",
                {"classes": ("collapse",), "fields": ("override_reason",)},
            ),
        ]
        if obj is not None:
            fieldsets.append(("Versions", {"fields": self.readonly_fields}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        kind = _chosen_kind(request, obj)
        if kind is None:
            # Only the kind chooser gets here without one, and draws no form.
            raise Http404("Choose a rule kind first.")
        kwargs["form"] = rule_form_for(kind, actor=request.user)
        return super().get_form(request, obj, change=change, **kwargs)

    def add_view(self, request, form_url="", extra_context=None):
        if _chosen_kind(request, None) is None:
            return self.choose_kind_view(request)
        return super().add_view(request, form_url, extra_context)

    def choose_kind_view(self, request):
        """The first step of adding a rule: its kind decides which parameters it has."""
        if not self.has_add_permission(request):
            raise DjangoPermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Add a rule: choose its kind",
            "kinds": [kind for _, kind in sorted(RULE_KINDS.items())],
            "unknown": request.GET.get("kind") or request.POST.get("kind") or "",
        }
        return TemplateResponse(request, "admin/moderation/rule/choose_kind.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        kind = _chosen_kind(request, obj)
        context.update(rule_kind=kind, other_kinds=_other_kinds(kind))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # The form asked the try-out policy; rule_save asks again under its lock, and a
        # refusal there (a concurrent change) leaves the rule as it was.
        data = form.cleaned_data
        try:
            saved = services.rule_save(
                actor=request.user,
                rule=obj if change else None,
                name=data["name"],
                kind=data["kind"],
                params=data["params"],
                action=data["action"],
                enabled=data["enabled"],
                categories=data.get("categories", []),
                override_reason=data.get("override_reason", ""),
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
        enabled or not. The try-out's token rides along in the form, and enabling needs
        it for exactly these parameters (see moderation.tryouts)."""
        if not permissions.can_manage_rules(request.user):
            raise DjangoPermissionDenied
        rule = None
        if pk is not None:
            rule = Rule.objects.filter(pk=pk).first()
            if rule is None:
                raise Http404("No such rule.")
        kind = _chosen_kind(request, rule)
        if kind is None:
            return redirect(f"{reverse('admin:moderation_rule_add')}?kind=")
        form_class = tryout_form_for(kind)
        tryout = None
        status = 200
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                if "save_enabled" in request.POST or "save_disabled" in request.POST:
                    saved = self._save_tried(
                        request, rule, form, enabled="save_enabled" in request.POST
                    )
                    if saved is not None:
                        return saved
                else:
                    try:
                        tryout = backtest.rule_try(
                            actor=request.user,
                            kind=kind.name,
                            params=data["params"],
                            action=data["action"],
                            categories=data["categories"],
                            posts=data["posts"],
                        )
                    except ValidationFailed as exc:
                        form.add_service_errors(exc)
                    else:
                        # Hand the token to the form, for "Save and enable".
                        form.data = form.data.copy()
                        form.data["tryout_token"] = tryout.token
            if not form.is_valid():
                status = 400
        else:
            initial = {"action": Rule.Action.FLAG}
            params = None
            if rule is not None:
                initial.update(
                    name=rule.name, action=rule.action, categories=list(rule.categories.all())
                )
                params = rule.params if rule.kind == kind.name else None
            form = form_class(initial=initial, params=params)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Try rule “{rule.name}”" if rule else "Try a new rule",
            "rule": rule,
            "rule_kind": kind,
            "other_kinds": _other_kinds(kind),
            "form": form,
            "result": tryout.result if tryout else None,
            "examples": tryout.result.top(50) if tryout else [],
        }
        return TemplateResponse(
            request, "admin/moderation/rule/tryout.html", context, status=status
        )

    def _save_tried(self, request, rule, form, *, enabled: bool):
        """Save the draft in `form`; None (with the refusal on the form) when refused."""
        data = form.cleaned_data
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
                tryout_token=data["tryout_token"],
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc)
            return None
        except ForumError as exc:
            messages.error(request, exc.message)
            return redirect(request.get_full_path())
        state = "enabled" if enabled else "saved, not enabled"
        messages.success(request, f"Rule “{saved.name}” (v{saved.version}) {state}.")
        return redirect(reverse("admin:moderation_rule_change", args=[saved.pk]))
