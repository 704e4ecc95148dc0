from django.core.management.base import BaseCommand

from moderation.defaults import install_default_rules
from moderation.models import Rule


class Command(BaseCommand):
    help = "Create the default moderation rules that are missing (by name), enabled."

    def handle(self, *args, **options) -> None:
        created = install_default_rules(Rule)
        self.stdout.write(self.style.SUCCESS(f"Default rules: {created} created."))
