"""Tests this run could not run for want of a service or a tool: each is skipped with a
`Missing`, and tests/conftest.py lists them in the FALLBACKS section at the end of the
run. Under CI=true a missing service fails the test instead. Kept out of conftest.py so
that tests and fixtures can import it (pytest loads conftest.py under a name of its own).
"""

import os
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


class Missing(pytest.skip.Exception):
    """A skip because something the test needs is not there, as opposed to a test that
    does not apply."""


def skip(what: str, why: str) -> NoReturn:
    """Skip the running test, which needs `what` and cannot have it (`why`); fail it
    under CI=true, where everything must be there."""
    if IN_CI:
        pytest.fail(f"CI=true and {what} is missing: {why}", pytrace=False)
    raise Missing(f"needs {what} ({why})")
