"""Trust levels rise with activity and time, never past a recent sanction."""

import datetime as dt

import pytest
from django.utils import timezone

from forum.accounts.models import Sanction, User
from forum.accounts.services import trust_level_earned, user_refresh_trust_level, user_set_role
from forum.accounts.tasks import refresh_trust_levels
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def member_with(*, posts: int, days: int, level: int = 0) -> User:
    return UserFactory(
        trust_level=level, post_count=posts, date_joined=NOW - dt.timedelta(days=days)
    )


@pytest.mark.parametrize(
    ("posts", "days", "expected"),
    [
        (0, 0, 0),
        (3, 0, 0),
        (3, 1, 1),
        (19, 100, 1),
        (20, 15, 2),
        (100, 60, 3),
        (500, 180, 4),
        (10_000, 14, 1),
    ],
)
def test_level_earned_needs_both_posts_and_days(posts, days, expected):
    assert trust_level_earned(user=member_with(posts=posts, days=days), now=NOW) == expected


def test_thresholds_come_from_settings(settings):
    settings.PARLEY = {
        **settings.PARLEY,
        "TRUST_LEVEL_THRESHOLDS": {1: {"posts": 1, "days": 0}, 2: {"posts": 2, "days": 0}},
    }

    assert trust_level_earned(user=member_with(posts=2, days=0), now=NOW) == 2


def test_a_recent_sanction_stops_promotion_and_an_old_one_does_not():
    recent = member_with(posts=500, days=365)
    Sanction.objects.create(user=recent, kind="silence", reason="x", starts_at=NOW)
    old = member_with(posts=500, days=365)
    Sanction.objects.create(
        user=old, kind="silence", reason="x", starts_at=NOW - dt.timedelta(days=90)
    )

    assert trust_level_earned(user=recent, now=NOW) == 0
    assert trust_level_earned(user=old, now=NOW) == 4


def test_refresh_promotes_but_never_demotes_or_touches_a_locked_level():
    rising = member_with(posts=20, days=30, level=0)
    established = member_with(posts=0, days=0, level=3)
    pinned = member_with(posts=500, days=400, level=1)
    User.objects.filter(pk=pinned.pk).update(trust_level_locked=True)
    pinned.refresh_from_db()

    assert user_refresh_trust_level(user=rising, now=NOW) is True
    assert user_refresh_trust_level(user=established, now=NOW) is False
    assert user_refresh_trust_level(user=pinned, now=NOW) is False
    assert User.objects.get(pk=rising.pk).trust_level == 2
    assert User.objects.get(pk=established.pk).trust_level == 3
    assert User.objects.get(pk=pinned.pk).trust_level == 1


def test_periodic_task_promotes_everyone_due():
    due = [member_with(posts=3, days=2) for _ in range(3)]
    member_with(posts=0, days=0)

    assert refresh_trust_levels() == 3
    assert refresh_trust_levels() == 0
    assert all(User.objects.get(pk=user.pk).trust_level == 1 for user in due)


def test_roles_map_to_admin_access():
    admin = UserFactory(username="root", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    user = UserFactory()

    assert user_set_role(actor=admin, user=user, role=User.Role.MODERATOR) is True
    assert (user.is_staff, user.is_superuser, user.is_moderator) == (True, False, True)
    assert user_set_role(actor=admin, user=user, role=User.Role.MODERATOR) is False
    user_set_role(actor=admin, user=user, role=User.Role.ADMIN)
    assert (user.is_staff, user.is_superuser) == (True, True)
    user_set_role(actor=admin, user=user, role=User.Role.MEMBER)
    assert (user.is_staff, user.is_superuser, user.is_moderator) == (False, False, False)
