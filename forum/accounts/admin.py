"""Members in the admin panel.

Moderators see members (trust level, role, sanctions with their end times, and
everything a member posted, hidden posts included) and sanction them through the action
registry; only administrators change accounts, roles and category scopes."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from forum.accounts import services as account_services
from forum.accounts.models import User
from forum.core import permissions
from forum.core.admin import ViewOnly
from forum.core.errors import ForumError
from forum.threads.models import PostState
from moderation import actions, selectors
from moderation import services as moderation_services
from moderation.log import log_record
from moderation.models import CategoryModerator, Sanction

SANCTION_ACTIONS = ("silence", "suspend", "ban")


class SanctionedNowFilter(admin.SimpleListFilter):
    title = "sanctioned now"
    parameter_name = "sanctioned"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(sanctioned_now=True)
        if self.value() == "no":
            return queryset.filter(sanctioned_now=False)
        return queryset


class SanctionInline(ViewOnly, admin.TabularInline):
    """A member's sanctions, newest first. Imposed and lifted through the action
    registry (the buttons above), never edited here."""

    model = Sanction
    fk_name = "user"
    fields = ("kind", "reason", "starts_at", "ends_at", "lifted_at", "created_by")
    readonly_fields = fields
    ordering = ("-starts_at",)
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)


class CategoryModeratorInline(admin.TabularInline):
    """The categories a moderator is limited to; none means the whole forum."""

    model = CategoryModerator
    fk_name = "moderator"
    fields = ("category",)
    extra = 0
    verbose_name = "moderated category"
    verbose_name_plural = "moderated categories (none: the whole forum)"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "trust_level",
        "post_count",
        "sanctioned_now",
        "is_active",
        "date_joined",
    )
    list_filter = ("role", "trust_level", SanctionedNowFilter, "is_active")
    search_fields = ("username", "display_name", "email")
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (
            "Forum",
            {
                "fields": (
                    "display_name",
                    "bio",
                    "role",
                    "trust_level",
                    "trust_level_locked",
                    "post_count",
                    "last_posted_at",
                )
            },
        ),
    )
    moderator_fieldsets = (
        (None, {"fields": ("username", "display_name", "email", "is_active", "date_joined")}),
        (
            "Forum",
            {
                "fields": (
                    "role",
                    "trust_level",
                    "trust_level_locked",
                    "post_count",
                    "last_posted_at",
                    "bio",
                )
            },
        ),
    )
    readonly_fields = ("post_count", "last_posted_at")
    inlines = [SanctionInline, CategoryModeratorInline]
    change_form_template = "admin/accounts/user/member_change_form.html"

    # Moderators look members up; administrators change them (Django's model
    # permissions, which only administrators hold).
    def has_module_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)

    def get_queryset(self, request):
        active = Sanction.objects.active().filter(user=OuterRef("pk"))
        return super().get_queryset(request).annotate(sanctioned_now=Exists(active))

    @admin.display(boolean=True, description="sanctioned now", ordering="sanctioned_now")
    def sanctioned_now(self, user) -> bool:
        return user.sanctioned_now

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            return self.moderator_fieldsets
        return super().get_fieldsets(request, obj)

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        if obj is None or not permissions.is_moderator(obj):
            inlines = [i for i in inlines if not isinstance(i, CategoryModeratorInline)]
        return inlines

    def save_model(self, request, obj, form, change):
        """Roles go through the accounts service, which keeps staff and superuser flags in
        step; role and trust level changes land in the moderation log."""
        before = {name: form.initial.get(name) for name in ("role", "trust_level")}
        super().save_model(request, obj, form, change)
        if change and "role" in form.changed_data:
            new_role = obj.role
            obj.role = before["role"]
            account_services.user_set_role(user=obj, role=new_role)
        for name in ("role", "trust_level"):
            if change and name in form.changed_data:
                log_record(
                    actor=request.user,
                    action=f"set_{name}",
                    target=obj,
                    details={"from": before[name], "to": getattr(obj, name)},
                )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/posts/", wrap(self.member_posts_view), name="accounts_user_posts"),
            path("<int:pk>/sanction/", wrap(self.sanction_view), name="accounts_user_sanction"),
            path(
                "<int:pk>/sanctions/<int:sanction_pk>/lift/",
                wrap(self.sanction_lift_view),
                name="accounts_user_sanction_lift",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        member = User.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        extra = {}
        if member is not None and permissions.is_moderator(request.user):
            may_sanction = permissions.is_forum_moderator(request.user) and member.pk != (
                request.user.pk
            )
            extra = {
                "member": member,
                "member_posts_url": reverse("admin:accounts_user_posts", args=[member.pk]),
                "member_log_url": reverse("admin:moderation_moderationlogentry_changelist")
                + "?"
                + urlencode({"target_type": "user", "target_id": member.pk}),
                "active_sanctions": Sanction.objects.active()
                .filter(user=member)
                .order_by("-starts_at"),
                "sanction_actions": [actions.ACTIONS[name] for name in SANCTION_ACTIONS]
                if may_sanction
                else [],
                "may_lift": permissions.is_forum_moderator(request.user),
            }
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def _member_or_404(self, request, pk: int) -> User:
        if not permissions.is_moderator(request.user):
            raise DjangoPermissionDenied
        member = User.objects.filter(pk=pk).first()
        if member is None:
            raise Http404("No such member.")
        return member

    def member_posts_view(self, request, pk: int):
        """Everything the member posted, whatever its state, newest first."""
        member = self._member_or_404(request, pk)
        posts = selectors.member_posts_for_moderator(member=member)
        state = request.GET.get("state", "")
        if state in PostState.values:
            posts = posts.filter(state=state)
        elif state == "deleted":
            posts = posts.filter(deleted_at__isnull=False)
        page = Paginator(posts, 50).get_page(request.GET.get("page"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Everything {member.username} posted",
            "member": member,
            "page": page,
            "state": state,
            "states": [*PostState.choices, ("deleted", "Deleted")],
        }
        return TemplateResponse(request, "admin/accounts/user/member_posts.html", context)

    def sanction_view(self, request, pk: int):
        """Silence, suspend or ban the member, until an optional end time, through the
        action registry."""
        from moderation.admin import _parse_local_datetime

        member = self._member_or_404(request, pk)
        back = reverse("admin:accounts_user_change", args=[member.pk])
        if request.method != "POST":
            return redirect(back)
        name = request.POST.get("action", "")
        if name not in SANCTION_ACTIONS:
            messages.error(request, "Choose silence, suspend or ban.")
            return redirect(back)
        try:
            params = {}
            if request.POST.get("ends_at", "").strip():
                params["ends_at"] = _parse_local_datetime(request.POST["ends_at"].strip())
            result = actions.perform(
                name,
                actor=request.user,
                target=member,
                reason=request.POST.get("reason", ""),
                **params,
            )
        except ForumError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, result.message)
        return redirect(back)

    def sanction_lift_view(self, request, pk: int, sanction_pk: int):
        member = self._member_or_404(request, pk)
        back = reverse("admin:accounts_user_change", args=[member.pk])
        sanction = Sanction.objects.filter(pk=sanction_pk, user=member).first()
        if sanction is None:
            raise Http404("No such sanction.")
        if request.method == "POST":
            try:
                lifted = moderation_services.sanction_lift(
                    actor=request.user, sanction=sanction, reason=request.POST.get("reason", "")
                )
            except ForumError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, "Sanction lifted." if lifted else "That sanction had already ended."
                )
        return redirect(back)
