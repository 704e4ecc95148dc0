from django.core.management.base import BaseCommand, CommandError

from forum.accounts.models import User
from forum.accounts.services import TOKEN_LIFETIMES_DAYS, token_create


class Command(BaseCommand):
    help = "Create a personal API token for a member and print it (shown this once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'backup script'")
        parser.add_argument("--read-only", action="store_true")
        parser.add_argument(
            "--expires-in-days",
            type=int,
            choices=TOKEN_LIFETIMES_DAYS,
            help="stop working after this many days (by default it works until revoked)",
        )

    def handle(
        self,
        *args,
        username: str,
        name: str,
        read_only: bool,
        expires_in_days: int | None,
        **options,
    ) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No member called {username!r}.")
        _, token = token_create(
            user=user, name=name, read_only=read_only, expires_in_days=expires_in_days
        )
        self.stdout.write(token)
