"""Admin pieces the apps' admin screens share. (No model of this app has a screen.)"""


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
