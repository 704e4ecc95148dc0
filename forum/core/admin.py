"""Admin pieces the apps' admin screens share, and the admin site itself. (No model of
this app has a screen.)"""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig

from forum.core import permissions


class ParleySite(AdminSite):
    """The admin panel is where moderation happens: open to whoever may moderate now
    (forum.core.permissions), not to every staff account. A moderator under a sanction
    is a member until it ends, and is sent to the admin's log-in page like one."""

    site_header = "Parley administration"
    site_title = "Parley admin"
    index_title = "Moderation and administration"

    def has_permission(self, request) -> bool:
        return permissions.is_moderator(request.user)


class ParleyAdminConfig(AdminConfig):
    default_site = "forum.core.admin.ParleySite"


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
