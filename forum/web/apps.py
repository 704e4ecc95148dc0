from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "forum.web"
    label = "web"
