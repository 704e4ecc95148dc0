"""Facts read at most once per request.

Answering one request can ask the same question several times: a reply asks whether its
author is sanctioned when the API token is checked, when the view checks the author may
reply, and again when the service does. Each asking is a query. Inside a request
(`RequestMemoMiddleware`), `remembered` answers repeats from memory; outside one (tasks,
management commands, services called directly) it always asks again, so nothing
long-lived ever holds an answer. A write that changes an answer calls `forget`.
"""

from collections.abc import Callable, Hashable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_memo: ContextVar[dict | None] = ContextVar("parley_request_memo", default=None)


class RequestMemoMiddleware:
    """Gives each request its own, empty memo and drops it when the response is made."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)


def remembered(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, or its result from earlier in this request under `key`."""
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def prime(key: Hashable, value) -> None:
    """Remember `value` under `key` for the rest of this request: a fact read along with
    something else (in the same query) need not be asked for again."""
    memo = _memo.get()
    if memo is not None:
        memo[key] = value


def forget(key: Hashable) -> None:
    """Drop what this request remembered under `key`, after a write that changes it."""
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


@contextmanager
def remembering():
    """Remember facts for the duration of the block, as a request does: for work outside
    a request that asks the same questions many times (a page of posts computed in a
    test or a task). Inside a request, or another such block, it changes nothing."""
    if _memo.get() is not None:
        yield
        return
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)
