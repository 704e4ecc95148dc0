"""E-mail the web UI's account pages send: confirming a new account's address, and
answering a password reset asked for an address no account uses."""

from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from forum.accounts.models import User


class SignupTokenGenerator(PasswordResetTokenGenerator):
    """Tokens that confirm a new account's e-mail address. They stop working once the
    account is active, and are never valid as password-reset tokens (another salt)."""

    key_salt = "forum.web.mail.SignupTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        return f"{super()._make_hash_value(user, timestamp)}{user.is_active}"


signup_token_generator = SignupTokenGenerator()


def send_signup_mail(request: HttpRequest, *, email: str, user: User | None) -> None:
    """To a new account: a link to confirm the address. To an address that already has
    an account: a note saying so, with the ways in, or, when that account was never
    confirmed, its confirmation link again (an unconfirmed account cannot reset its
    password). The person signing up sees the same page whichever it was."""
    context = {"site": request.get_host(), "email": email}
    if user is None:
        user = User.objects.filter(
            email__iexact=email, is_active=False, last_login__isnull=True
        ).first()
    if user is not None:
        path = reverse(
            "web:signup-confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": signup_token_generator.make_token(user),
            },
        )
        context.update(user=user, confirm_url=request.build_absolute_uri(path))
        template = "web/email/signup_confirm.txt"
        subject = "Confirm your e-mail address for Parley"
    else:
        context.update(
            login_url=request.build_absolute_uri(reverse("web:login")),
            reset_url=request.build_absolute_uri(reverse("web:password-reset")),
        )
        template = "web/email/signup_existing.txt"
        subject = "You already have a Parley account"
    send_mail(subject, render_to_string(template, context), None, [email])


def send_no_account_mail(request: HttpRequest, *, email: str) -> None:
    """To an address a password reset was asked for but no account uses: a note saying
    so, with the ways in (the reset page answers as it does for an account)."""
    context = {
        "site": request.get_host(),
        "signup_url": request.build_absolute_uri(reverse("web:signup")),
        "reset_url": request.build_absolute_uri(reverse("web:password-reset")),
    }
    send_mail(
        "Password reset at Parley",
        render_to_string("web/email/password_reset_unknown.txt", context),
        None,
        [email],
    )
