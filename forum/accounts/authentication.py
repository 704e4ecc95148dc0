"""API authentication by personal token: `Authorization: Bearer parley_…`. Tokens that
were never issued, or were revoked, count under the log-in throttle
(forum.core.throttling), per client address."""

import datetime as dt

from django.utils import timezone
from rest_framework import authentication, exceptions

from forum.accounts.backends import SanctionAwareBackend
from forum.accounts.models import ApiToken, remember_sanction_kinds, with_sanction_kinds
from forum.accounts.services import TOKEN_PREFIX, token_digest
from forum.core.errors import RateLimited
from forum.core.throttling import LoginThrottle

# Recording every use would turn each read into a write; once a minute is enough to
# tell a member when a token was last used.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header:
            return None
        if header[0].lower() != self.keyword.lower().encode():
            # `Token` (DRF's usual word), `Basic`, ...: the API knows one scheme, so a
            # caller who sent credentials another way is told how, not "none provided".
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>'; "
                "no other Authorization scheme is accepted."
            )
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>'."
            )
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise _unknown_token(request) from exc
        if not token.startswith(TOKEN_PREFIX):
            raise _unknown_token(request)
        row = with_sanction_kinds(
            ApiToken.objects.usable().select_related("user").filter(digest=token_digest(token)),
            member="user_id",
        ).first()
        if row is None:
            raise _unknown_token(request)
        remember_sanction_kinds(row.user_id, row)
        if not SanctionAwareBackend().user_can_authenticate(row.user):
            # A suspended or banned member's own token: no guess, and answered alike.
            raise exceptions.AuthenticationFailed("Invalid token.")
        if row.read_only and request.method not in _SAFE_METHODS:
            raise exceptions.PermissionDenied("This token is read-only.")
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user, row

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


def _unknown_token(request) -> exceptions.APIException:
    """The refusal of a token that is none: a 401, or past the throttle's limit a 429
    that says when to try again."""
    try:
        LoginThrottle.token(request).count_failure()
    except RateLimited as exc:
        refusal = exceptions.Throttled(detail=exc.message)
        refusal.wait = exc.retry_after  # for Retry-After; the message says it in words
        return refusal
    return exceptions.AuthenticationFailed("Invalid token.")
