"""Members as moderators see them in the admin panel: the accounts screen
(forum.accounts.admin) with sanctions to impose and lift, everything the member posted
that the moderator may read, and the decisions about them. Sanctions go through the
action registry, so forum.core.permissions' hierarchy applies and each is logged.
Who moderates which categories is for administrators, on the member's page."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode

from forum.accounts.admin import UserAdmin
from forum.accounts.models import CategoryModerator, Sanction, User
from forum.core import permissions
from forum.core.admin import AdministratorsOnly, ViewOnly
from forum.core.errors import ForumError
from forum.core.text import whole_number
from forum.threads.models import PostState
from moderation import actions, selectors, services

SANCTION_ACTIONS = ("silence", "suspend", "ban")


class MemberAdmin(UserAdmin):
    change_form_template = "admin/accounts/user/member_change_form.html"

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
        member_id = whole_number(str(object_id))
        member = User.objects.filter(pk=member_id).first() if member_id is not None else None
        extra = {}
        if member is not None and permissions.is_moderator(request.user):
            may_act = permissions.can_act_on_member(request.user, member)
            shown_sanctions = (
                Sanction.objects.active().filter(user=member).order_by("-starts_at")
                if permissions.can_view_forum_records(request.user)
                else Sanction.objects.none()
            )
            extra = {
                "member": member,
                "member_posts_url": reverse("admin:accounts_user_posts", args=[member.pk]),
                "member_log_url": reverse("admin:moderation_moderationlogentry_changelist")
                + "?"
                + urlencode({"target_type": "user", "target_id": member.pk}),
                "active_sanctions": shown_sanctions,
                "sanction_actions": [actions.ACTIONS[name] for name in SANCTION_ACTIONS]
                if may_act
                else [],
                # Lifting is for whoever may impose: the same question for every sanction
                # of this member.
                "may_lift": may_act,
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
        """Everything the member posted that the moderator may read, whatever its state,
        newest first."""
        member = self._member_or_404(request, pk)
        posts = selectors.member_posts_for_moderator(member=member, moderator=request.user)
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
                params["ends_at"] = request.POST["ends_at"].strip()
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
                lifted = services.sanction_lift(
                    actor=request.user, sanction=sanction, reason=request.POST.get("reason", "")
                )
            except ForumError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request, "Sanction lifted." if lifted else "That sanction had already ended."
                )
        return redirect(back)


@admin.register(CategoryModerator)
class CategoryModeratorAdmin(ViewOnly, AdministratorsOnly, admin.ModelAdmin):
    """Who moderates which categories, for administrators to look up. A scope is part of
    a moderator's role, so it changes on the member's page, where the change is checked
    and logged (forum.accounts.services.moderator_set_scope), never row by row here."""

    list_display = ("moderator", "category", "created_at")
    list_filter = ("category",)
    list_select_related = ("moderator", "category")
    raw_id_fields = ("moderator",)


admin.site.unregister(User)
admin.site.register(User, MemberAdmin)
