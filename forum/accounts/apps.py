from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "forum.accounts"
    label = "accounts"

    def ready(self) -> None:
        from forum.accounts import schema  # noqa: F401  (registers the schema extension)
