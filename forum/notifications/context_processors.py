from forum.notifications.selectors import unread_count


def unread_notifications(request) -> dict:
    """The header badge: the same rows as the API's unread count."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user=user)}
