"""Throttles, counting in fixed windows in the cache; a client is known by its account
or by its address as `forum.core.client_address` finds it (an IPv6 client by its /64
network: `client_network`).

API request rates: members per account at the `user` rate, everyone else per client
address at the `anon` rate (`DEFAULT_THROTTLE_RATES`). One counter per client and
window, raised with one `INCR`, in place of DRF's two throttles that each read and
rewrote a list of every request time in the window (four cache round trips and a pickled
list per request).

Log-in failures (`LoginThrottle`): every way of proving who one is counts its failures
here, so that no way in offers more guesses than another: the web's and the admin's
log-in forms, the current password a signed-in member is asked for (changing it,
logging out everywhere) and API tokens.

A fixed window lets a client spend up to twice its limit across a window boundary; the
limits are sized with that in mind. While the cache is unreachable the counters read 0
and requests go through.
"""

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from django import forms
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from forum.core.client_address import client_network
from forum.core.errors import RateLimited

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """("120/min") -> (120 requests, 60 seconds)."""
    count, period = rate.split("/")
    return int(count), _UNITS[period[0]]


def current_window(seconds: int) -> tuple[int, int]:
    """The number of the fixed window of `seconds` that now falls in, and the seconds
    left until it ends (at least 1): what a refusal's Retry-After says."""
    now = time.time()
    return int(now // seconds), max(1, int(seconds - now % seconds) + 1)


class RequestRateThrottle(BaseThrottle):
    THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES

    def allow_request(self, request, view) -> bool:
        member = request.user.is_authenticated
        scope = "user" if member else "anon"
        rate = self.THROTTLE_RATES.get(scope)
        if not rate:
            return True
        limit, seconds = parse_rate(rate)
        ident = request.user.pk if member else self.get_ident(request)
        window, self.retry_after = current_window(seconds)
        return _count(request, f"throttle:{scope}:{ident}:{window}", seconds) <= limit

    def get_ident(self, request) -> str:
        return client_network(request)

    def wait(self) -> float:
        return self.retry_after


def _count(request, key: str, seconds: int) -> int:
    """Add one request to the window's counter and return the new count. On Redis, in one
    round trip that also reads the keys the view asked to have read ahead
    (`pagecache.read_ahead`), so a cached page costs no round trip of its own."""
    incr_expiring = getattr(cache, "incr_expiring", None)
    if incr_expiring is not None:
        wanted = getattr(request, "cache_read_ahead", ())
        count, values = incr_expiring(key, seconds + 1, read=wanted)
        if wanted:
            request.cache_read = values
        return count
    try:
        return cache.incr(key)
    except ValueError:
        # The window's first request; if another got there first, count on theirs.
        if cache.add(key, 1, timeout=seconds + 1):
            return 1
        try:
            return cache.incr(key)
        except ValueError:
            return 1


# --- log-in failures --------------------------------------------------------------------

LOGIN_FAILURE_LIMIT = 5  # per account name and client address, or per signed-in member
LOGIN_FAILURE_LIMIT_PER_ADDRESS = 50  # per client address whatever the names: spraying
LOGIN_FAILURE_WINDOW = 15 * 60  # seconds


class LoginThrottle:
    """The failed attempts to prove who one is that one attempt counts against, each
    counter with its limit. Past any limit the attempt is refused (`RateLimited`, with
    the seconds until the window ends) before the password or token is looked at, so
    guessing on gains nothing."""

    def __init__(self, counters: dict[str, int], *, message: str) -> None:
        window, self.retry_after = current_window(LOGIN_FAILURE_WINDOW)
        self._limits = {_login_key(name, window): limit for name, limit in counters.items()}
        self._message = message

    @classmethod
    def log_in(cls, request: HttpRequest, *, username: str) -> "LoginThrottle":
        """A password for `username`: counted per name and address, so that one
        address cannot lock a member out everywhere, and per address whatever the name,
        against one password tried on many accounts."""
        address = client_network(request)
        return cls(
            {
                f"name\x00{username.casefold()}\x00{address}": LOGIN_FAILURE_LIMIT,
                f"address\x00{address}": LOGIN_FAILURE_LIMIT_PER_ADDRESS,
            },
            message="Too many failed attempts to log in from your address. "
            "{wait}, or reset your password.",
        )

    @classmethod
    def password_check(cls, *, member_id: int) -> "LoginThrottle":
        """The current password of a signed-in member: counted per member from
        whatever address, so that a stolen session cannot be used to guess it."""
        return cls(
            {f"member\x00{member_id}": LOGIN_FAILURE_LIMIT},
            message="Too many wrong passwords. {wait}.",
        )

    @classmethod
    def token(cls, request: HttpRequest) -> "LoginThrottle":
        """An API token: invalid ones counted per address (a token cannot be guessed,
        but each invalid one costs a look-up and escapes the request rates, which count
        only requests that authenticated or sent no credentials)."""
        return cls(
            {f"token\x00{client_network(request)}": LOGIN_FAILURE_LIMIT_PER_ADDRESS},
            message="Too many invalid tokens from your address. {wait}.",
        )

    def count_failure(self) -> None:
        """Count one failed attempt; past a limit, refuse it (and count it not)."""
        counts = {key: _count(None, key, LOGIN_FAILURE_WINDOW) for key in self._limits}
        if any(counts[key] > limit for key, limit in self._limits.items()):
            self._uncount()
            minutes = math.ceil(self.retry_after / 60)
            wait = f"Try again in {minutes} minute{'' if minutes == 1 else 's'}"
            raise RateLimited(
                self._message.format(wait=wait), retry_after=self.retry_after, code="throttled"
            )

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Around checking a password: the attempt counts as a failure from the start,
        and is given back when the block finishes without an exception. Guesses sent
        all at once are counted in turn, so no more of them than the limit are checked."""
        self.count_failure()
        yield
        self._uncount()

    def _uncount(self) -> None:
        for key in self._limits:
            with suppress(ValueError):  # its window ended meanwhile
                cache.decr(key)


def _login_key(name: str, window: int) -> str:
    # Hashed, so that no name or address sits in the cache in clear.
    return f"login-failures:{hashlib.sha256(name.encode()).hexdigest()}:{window}"


def refuse_throttled(form: forms.Form, exc: RateLimited) -> forms.ValidationError:
    """The error that shows `exc` on `form`, marking the form throttled for
    `answer_throttled`."""
    form.throttled = True
    form.retry_after = exc.retry_after
    return forms.ValidationError(exc.message, code=exc.code)


class ThrottledLogIn:
    """For a subclass of Django's AuthenticationForm (the web's and the admin's log-in):
    each wrong password counts (`LoginThrottle.log_in`), and past the limit even the
    right one is refused, in the same words whether or not the account exists."""

    throttled = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        if not (username and self.cleaned_data.get("password")):
            return super().clean()
        try:
            with LoginThrottle.log_in(self.request, username=username).attempt():
                return super().clean()
        except RateLimited as exc:
            raise refuse_throttled(self, exc) from exc


class ThrottledPasswordCheck:
    """For a subclass of Django's PasswordChangeForm: the current password it asks for
    counts as `LoginThrottle.password_check`."""

    throttled = False

    def clean_old_password(self):
        try:
            with LoginThrottle.password_check(member_id=self.user.pk).attempt():
                return super().clean_old_password()
        except RateLimited as exc:
            raise refuse_throttled(self, exc) from exc


def answer_throttled(response: HttpResponse) -> HttpResponse:
    """A form page answered as a refusal for too many attempts when its form was
    throttled: 429, and Retry-After."""
    form = (getattr(response, "context_data", None) or {}).get("form")
    if getattr(form, "throttled", False):
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response
