from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "forum.notifications"
    label = "notifications"

    def ready(self) -> None:
        from forum.notifications import subscribers

        subscribers.subscribe()
