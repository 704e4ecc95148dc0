"""What the browser tests of the web UI share: a clean cache and outbox, and logging in
through the real form."""

import pytest
from django.core import mail
from django.core.cache import cache

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def clean_slate():
    cache.clear()
    mail.outbox = []


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("button", name="Log out").is_visible()
