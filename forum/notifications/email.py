"""E-mail for notifications: one digest gathering everything unread and not yet mailed,
at the member's chosen frequency, with a signed one-click unsubscribe link."""

import datetime as dt

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from forum.accounts.models import EmailFrequency, User
from forum.notifications import selectors

UNSUBSCRIBE_SALT = "parley.notifications.unsubscribe"
# How far back a digest of each frequency looks, so a member who switched from "never"
# is not sent years of backlog.
DIGEST_WINDOW = {
    EmailFrequency.IMMEDIATELY: dt.timedelta(days=1),
    EmailFrequency.DAILY: dt.timedelta(days=1, hours=1),
    EmailFrequency.WEEKLY: dt.timedelta(days=7, hours=1),
}
MAX_ITEMS_PER_MAIL = 50


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"u": user.pk}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_for_unsubscribe_token(token: str) -> User | None:
    """The member a token was made for, or None for a forged or mangled token. Tokens
    do not expire: an old digest's link must still work."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u"), is_active=True).first()


def email_unsubscribe(*, user: User) -> bool:
    if user.email_frequency == EmailFrequency.NEVER:
        return False
    User.objects.filter(pk=user.pk).update(email_frequency=EmailFrequency.NEVER)
    user.email_frequency = EmailFrequency.NEVER
    return True


def digest_send(*, user: User, now: dt.datetime | None = None) -> int:
    """Mail `user` one digest of their unread, unmailed notifications about content they
    can still see; mark them mailed in the same transaction. Returns how many it held."""
    now = now or timezone.now()
    window = DIGEST_WINDOW.get(user.email_frequency)
    if window is None or not user.email:
        return 0
    with transaction.atomic():
        pending = list(
            selectors.inbox(user=user)
            .filter(read_at__isnull=True, emailed_at__isnull=True, updated_at__gte=now - window)
            .select_for_update(of=("self",))[:MAX_ITEMS_PER_MAIL]
        )
        if not pending:
            return 0
        lines = [
            (
                selectors.describe(n),
                selectors.excerpt(n, user=user),
                f"{settings.PARLEY_SITE_URL}/p/{n.post_id}/"
                if selectors.leads_to_post(n, user=user)
                else f"{settings.PARLEY_SITE_URL}/notifications/",
            )
            for n in pending
        ]
        token = unsubscribe_token(user)
        unsubscribe_url = f"{settings.PARLEY_SITE_URL}/notifications/unsubscribe/{token}/"
        context = {"user": user, "lines": lines, "unsubscribe_url": unsubscribe_url}
        message = EmailMultiAlternatives(
            subject=f"Parley: {len(pending)} new notification{'s' if len(pending) > 1 else ''}",
            body=render_to_string("notifications/digest.txt", context),
            to=[user.email],
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
        message.attach_alternative(
            render_to_string("notifications/digest.html", context), "text/html"
        )
        message.send()
        type(pending[0]).objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=now)
    return len(pending)


def digests_due(*, frequency: str) -> list[int]:
    """Members with this frequency who have something unread and unmailed."""
    return list(
        User.objects.filter(
            email_frequency=frequency,
            is_active=True,
            notifications__read_at__isnull=True,
            notifications__emailed_at__isnull=True,
        )
        .exclude(email="")
        .values_list("pk", flat=True)
        .distinct()
    )
