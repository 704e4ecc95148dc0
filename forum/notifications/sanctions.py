"""Telling a member of a sanction placed on them: a notification, and an e-mail whatever
their digest settings (it concerns their account, as a password reset does), saying why,
until when, and how to appeal. The appeal link carries a signed token naming the
sanction, because a suspended or banned member cannot sign in to appeal."""

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from forum.accounts.models import Sanction
from forum.notifications import services

APPEAL_SALT = "parley.sanctions.appeal"


def appeal_token(sanction: Sanction) -> str:
    return signing.dumps({"s": sanction.pk}, salt=APPEAL_SALT, compress=True)


def sanction_for_appeal_token(token: str) -> Sanction | None:
    """The sanction a token was made for, or None for a forged or mangled token. Whether
    it may still be appealed is forum.core.permissions' question."""
    try:
        data = signing.loads(token, salt=APPEAL_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), int):
        return None
    return Sanction.objects.select_related("user").filter(pk=data["s"]).first()


def appeal_path(sanction: Sanction) -> str:
    return reverse("web:sanction-appeal", args=[appeal_token(sanction)])


def sanction_notify(*, sanction_id: int) -> bool:
    """Tell the member under sanction `sanction_id` of it, in the app and by e-mail, once:
    run again, it finds them told. Returns whether they were told now."""
    sanction = Sanction.objects.select_related("user").filter(pk=sanction_id).first()
    if sanction is None:
        return False
    member = sanction.user
    with transaction.atomic():
        told = services.notify_direct(
            recipient_id=member.pk,
            kind="sanction_imposed",
            event=f"sanction:{sanction.pk}",
            actor_id=sanction.created_by_id,
            reason=sanction_summary(sanction),
            emailed=bool(member.email),
        )
        if told and member.email:
            _mail(sanction)
    return told


def sanction_summary(sanction: Sanction) -> str:
    """What the sanction does to the account, until when, and why: "suspended until 12 Dec
    2026, 14:00 UTC, for: <the moderator's reason>"."""
    until = (
        f"until {timezone.localtime(sanction.ends_at):%-d %b %Y, %H:%M %Z}"
        if sanction.ends_at
        else "until a moderator lifts it"
    )
    return f"{sanction.state_word} {until}, for: {sanction.reason}"


def _mail(sanction: Sanction) -> None:
    context = {
        "member": sanction.user,
        "sanction": sanction,
        "appeal_url": f"{settings.PARLEY_SITE_URL}{appeal_path(sanction)}",
    }
    message = EmailMultiAlternatives(
        subject=f"Parley: your account is {sanction.state_word}",
        body=render_to_string("notifications/sanction.txt", context),
        to=[sanction.user.email],
    )
    message.attach_alternative(
        render_to_string("notifications/sanction.html", context), "text/html"
    )
    message.send()
