from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "forum.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
