from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "forum.accounts"
    label = "accounts"
