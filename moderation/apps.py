from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    label = "moderation"

    def ready(self) -> None:
        """Plug moderation into the layers below it, which never import it: the submission
        screen and the checks after commit (threads), the record of changes to members'
        standing and the accounts the log speaks of (accounts)."""
        from moderation import plugs

        plugs.plug_in()
