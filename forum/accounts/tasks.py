"""Periodic account upkeep."""

from forum.accounts.models import User
from forum.accounts.services import unconfirmed_signups_purge, user_refresh_trust_level
from forum.core.tasks import forum_task


@forum_task("accounts.refresh_trust_levels", soft_time_limit=600, max_retries=3)
def refresh_trust_levels() -> int:
    """Promote every member whose activity has earned a higher trust level."""
    promoted = 0
    candidates = User.objects.filter(
        is_active=True, trust_level_locked=False, trust_level__lt=User.MAX_TRUST_LEVEL
    ).only("pk", "trust_level", "trust_level_locked", "post_count", "date_joined")
    for user in candidates.iterator(chunk_size=1000):
        promoted += user_refresh_trust_level(user=user)
    return promoted


@forum_task("accounts.purge_unconfirmed_signups", soft_time_limit=600, max_retries=3)
def purge_unconfirmed_signups() -> int:
    """Free the names and addresses of sign-ups never confirmed."""
    return unconfirmed_signups_purge()
