from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "forum.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from forum.webhooks import subscribers

        subscribers.subscribe()
