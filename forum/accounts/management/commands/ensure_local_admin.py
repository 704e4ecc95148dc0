import secrets

from django.core.management.base import BaseCommand

from forum.accounts.models import User
from forum.accounts.services import user_create, user_set_password


class Command(BaseCommand):
    help = (
        "Create the local admin account (username 'admin') with a fresh random password and "
        "print it; if it exists, give it a new password. For local runs only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        password = secrets.token_urlsafe(12)
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(
                username=username,
                password=password,
                role=User.Role.ADMIN,
                trust_level=User.MAX_TRUST_LEVEL,
            )
        else:
            user_set_password(user=user, password=password)
        self.stdout.write(
            self.style.SUCCESS(f"Local admin: username '{username}', password '{password}'")
        )
