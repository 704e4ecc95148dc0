"""Members in the admin panel.

Moderators look members up (trust level, role, the sanctions they are under); only
administrators change accounts and category scopes. Role, category scope and trust level
changes go through the accounts services, which check who may make them and have them
recorded.
The moderation app extends this screen with sanctions and everything a member posted
(moderation.admin.members)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.db.models import Exists, OuterRef

from forum.accounts import services as account_services
from forum.accounts.models import CategoryModerator, Sanction, User
from forum.core import permissions
from forum.core.admin import ViewOnly
from forum.core.errors import ForumError, ValidationFailed


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
    """A member's sanctions, newest first. Imposed and lifted by moderators' actions,
    never edited here; shown to the moderators who may impose them."""

    model = Sanction
    fk_name = "user"
    fields = ("kind", "reason", "starts_at", "ends_at", "lifted_at", "created_by")
    readonly_fields = fields
    ordering = ("-starts_at",)
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.can_view_forum_records(request.user)


class CategoryModeratorInline(admin.TabularInline):
    """The categories a moderator is limited to; none means the whole forum. Saved
    through accounts.services.moderator_set_scope (UserAdmin.save_formset), as a change
    of role is."""

    model = CategoryModerator
    fk_name = "moderator"
    fields = ("category",)
    extra = 0
    verbose_name = "moderated category"
    verbose_name_plural = "moderated categories (none: the whole forum)"


class MemberChangeForm(UserChangeForm):
    def clean_display_name(self) -> str:
        """A new display name is held to what members are held to: none that could pass
        for another member or for the forum's staff (accounts.services)."""
        display_name = self.cleaned_data["display_name"]
        if "display_name" not in self.changed_data:
            return display_name
        try:
            return account_services.display_name_clean(
                user=self.instance, display_name=display_name
            )
        except ValidationFailed as exc:
            raise forms.ValidationError(exc.fields.get("display_name", [exc.message])) from exc


# Fields the admin form shows but that only change through a service.
STANDING_FIELDS = ("role", "trust_level", "trust_level_locked", "is_active")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = MemberChangeForm
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
    # Staff and superuser status follow the role (accounts.services.user_set_role), so
    # the form does not offer them on their own.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Permissions", {"fields": ("is_active", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
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

    # Moderators look members up; administrators change them.
    def has_module_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_moderator(request.user)

    # Only administrators change accounts, whatever model permissions a group grants.
    def has_add_permission(self, request) -> bool:
        return permissions.is_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)

    # Also asked for each account a bulk deletion would remove, so one's own account in
    # the selection refuses the whole action.
    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.can_delete_account(request.user, obj)

    # Who is under a sanction is for the moderators who may impose one.
    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if permissions.can_view_forum_records(request.user):
            return shown
        return tuple(name for name in shown if name != "sanctioned_now")

    def get_list_filter(self, request):
        shown = super().get_list_filter(request)
        if permissions.can_view_forum_records(request.user):
            return shown
        return tuple(item for item in shown if item is not SanctionedNowFilter)

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
        if obj is None or not permissions.holds_moderator_role(obj):
            inlines = [i for i in inlines if not isinstance(i, CategoryModeratorInline)]
        return inlines

    def save_formset(self, request, form, formset, change):
        """The moderated categories' rows are the moderator's scope, set as a whole by the
        accounts service, which checks that the administrator may and records it."""
        if formset.model is not CategoryModerator:
            super().save_formset(request, form, formset, change)
            return
        wanted = {
            row.cleaned_data["category"].pk
            for row in formset.forms
            if row.cleaned_data.get("category") and not row.cleaned_data.get("DELETE")
        }
        # Nothing written: the formset only works out what changed, for the admin's record.
        formset.save(commit=False)
        member = form.instance
        if wanted == set(member.moderated_categories.values_list("category_id", flat=True)):
            return
        try:
            account_services.moderator_set_scope(
                actor=request.user, moderator=member, category_ids=wanted
            )
        except ForumError as exc:
            messages.error(request, exc.message)

    def save_model(self, request, obj, form, change):
        """A member's standing (role, trust level, active account) changes through the
        accounts services,
        which check that the administrator may make the change and have it recorded;
        the rest of the form is saved as Django saves it."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        before = {name: form.initial.get(name) for name in STANDING_FIELDS}
        wanted = {name: getattr(obj, name) for name in STANDING_FIELDS}
        for name in STANDING_FIELDS:
            setattr(obj, name, before[name])
        super().save_model(request, obj, form, change)
        try:
            if wanted["is_active"] != before["is_active"]:
                account_services.user_set_active(
                    actor=request.user, user=obj, active=wanted["is_active"]
                )
            if wanted["role"] != before["role"]:
                account_services.user_set_role(actor=request.user, user=obj, role=wanted["role"])
            if (wanted["trust_level"], wanted["trust_level_locked"]) != (
                before["trust_level"],
                before["trust_level_locked"],
            ):
                account_services.user_set_trust_level(
                    actor=request.user,
                    user=obj,
                    level=wanted["trust_level"],
                    locked=wanted["trust_level_locked"],
                )
        except ForumError as exc:
            messages.error(request, exc.message)
