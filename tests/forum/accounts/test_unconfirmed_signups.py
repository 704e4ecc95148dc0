"""Sign-ups never confirmed are purged, freeing their names and addresses; nobody else is."""

import datetime as dt

import pytest
from django.utils import timezone

from forum.accounts.models import Sanction, User
from forum.accounts.services import user_signup
from forum.accounts.tasks import purge_unconfirmed_signups
from moderation.log import log_record
from tests.factories import ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


def signed_up(name: str, *, days_ago: int) -> User:
    user = user_signup(username=name, email=f"{name}@example.test", password=PASSWORD)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=days_ago))
    return user


def test_an_old_unconfirmed_sign_up_is_purged_and_its_name_and_address_are_free_again():
    signed_up("squatter", days_ago=8)

    assert purge_unconfirmed_signups.apply().get() == 1

    assert not User.objects.filter(username="squatter").exists()
    again = user_signup(username="squatter", email="squatter@example.test", password=PASSWORD)
    assert again is not None and not again.is_active


def test_only_abandoned_sign_ups_go(settings):
    settings.PARLEY = {**settings.PARLEY, "UNCONFIRMED_SIGNUP_DAYS": 7}
    recent = signed_up("recent", days_ago=6)
    confirmed = signed_up("confirmed", days_ago=30)
    User.objects.filter(pk=confirmed.pk).update(is_active=True)
    deactivated = signed_up("deactivated", days_ago=30)
    User.objects.filter(pk=deactivated.pk).update(last_login=timezone.now())
    posted = signed_up("posted", days_ago=30)
    User.objects.filter(pk=posted.pk).update(post_count=1)
    moderator = ModeratorFactory()
    sanctioned = signed_up("sanctioned", days_ago=30)
    Sanction.objects.create(user=sanctioned, kind="ban", reason="spam", created_by=moderator)
    logged = signed_up("logged", days_ago=30)
    log_record(actor=moderator, action="note", target=logged, reason="watch this one")
    staff = UserFactory(username="staff", is_active=False, is_staff=True)
    User.objects.filter(pk=staff.pk).update(date_joined=timezone.now() - dt.timedelta(days=30))
    abandoned = signed_up("abandoned", days_ago=30)

    assert purge_unconfirmed_signups.apply().get() == 1

    assert not User.objects.filter(pk=abandoned.pk).exists()
    kept = {recent, confirmed, deactivated, posted, sanctioned, logged, staff}
    assert User.objects.filter(pk__in=[u.pk for u in kept]).count() == len(kept)


def test_a_sign_up_is_kept_while_its_confirmation_link_still_works(settings):
    settings.PARLEY = {**settings.PARLEY, "UNCONFIRMED_SIGNUP_DAYS": 1}
    settings.PASSWORD_RESET_TIMEOUT = 5 * 86400
    signed_up("linkalive", days_ago=4)

    assert purge_unconfirmed_signups.apply().get() == 0
