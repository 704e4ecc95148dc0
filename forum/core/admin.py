"""Admin pieces the apps' admin screens share, and the admin site itself (installed by
forum.core.apps.ParleyAdminConfig). No model of this app has a screen."""

from functools import wraps

from django.contrib.admin import AdminSite, ModelAdmin, helpers
from django.contrib.admin.forms import AdminAuthenticationForm, AdminPasswordChangeForm
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import BadRequest, ValidationError
from django.urls import reverse

from forum.core import permissions
from forum.core.throttling import ThrottledLogIn, ThrottledPasswordCheck, answer_throttled


class ParleyAuthenticationForm(ThrottledLogIn, AdminAuthenticationForm):
    """The admin's log-in counts wrong passwords with the web's (forum.core.throttling),
    so it is no way around the web's limit."""


class ParleyPasswordChangeForm(ThrottledPasswordCheck, AdminPasswordChangeForm):
    pass


class ParleySite(AdminSite):
    """The admin panel is where moderation happens: open to whoever may moderate now
    (forum.core.permissions), not to every staff account. A moderator under a sanction
    is a member until it ends, and is sent to the admin's log-in page like one."""

    site_header = "Parley administration"
    site_title = "Parley admin"
    index_title = "Moderation and administration"
    login_form = ParleyAuthenticationForm

    def has_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)

    def admin_view(self, view, cacheable=False):
        """Django's, refusing as a bad request what no screen can read (they answered a
        500): a NUL in the address's query, which no filter value or search holds and
        PostgreSQL refuses in any string, and a bulk action's selection naming a row by
        what is no id of the screen's model ("abc", "²")."""
        guarded = super().admin_view(view, cacheable)
        model_admin = getattr(view, "__self__", None)
        model = model_admin.model if isinstance(model_admin, ModelAdmin) else None

        @wraps(guarded)
        def inner(request, *args, **kwargs):
            if any("\x00" in part for pair in request.GET.lists() for part in (pair[0], *pair[1])):
                raise BadRequest("A NUL character in the address.")
            if model is not None and request.method == "POST":
                _check_selection(model, request.POST.getlist(helpers.ACTION_CHECKBOX_NAME))
            return guarded(request, *args, **kwargs)

        return inner

    @login_not_required
    def login(self, request, extra_context=None):
        return answer_throttled(super().login(request, extra_context))

    def password_change(self, request, extra_context=None):
        """Django's, with the current password checked under the log-in throttle (the
        admin site names no form for it)."""
        request.current_app = self.name
        view = PasswordChangeView.as_view(
            form_class=ParleyPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            template_name=self.password_change_template or "registration/password_change_form.html",
        )
        return answer_throttled(view(request))


def _check_selection(model, selected: list[str]) -> None:
    """Raise BadRequest unless each of `selected` is an id of `model`'s."""
    for value in selected:
        try:
            model._meta.pk.to_python(value)
        except ValidationError as exc:
            raise BadRequest("A selected row is named by no id.") from exc


class AdministratorsOnly:
    """An admin screen for administrators alone, whatever model permissions a group might
    grant: who may do what is forum.core.permissions' to say, not Django's tables."""

    def has_module_permission(self, request) -> bool:
        return permissions.is_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)


class ViewOnly:
    """An admin screen or inline whose rows nobody, superusers included, adds, changes or
    deletes there: they change through the services, which validate, log and keep what
    depends on them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
