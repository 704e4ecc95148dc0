"""Shared fixtures, and the account of which real services this run used.

PostgreSQL, Redis and a Celery worker process are used when DATABASE_URL and REDIS_URL
point at them; otherwise the suite runs on SQLite with in-process tasks and says so
loudly at the end. Under CI=true a missing service fails the run instead."""

import os
import shutil
import socket
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests import fallbacks, workers
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory
from tests.workers import start_celery_worker, stop_celery_worker, tasks_through_broker, worker_env

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
ARTIFACTS.mkdir(exist_ok=True)

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from such a thread unless told the caller knows what it does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing_services() -> dict[str, str]:
    missing = {}
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        missing["postgresql"] = "DATABASE_URL does not point at PostgreSQL"
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url:
        missing["redis"] = "REDIS_URL is not set"
    else:
        parsed = urlparse(redis_url)
        try:
            socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=2).close()
        except OSError as exc:
            missing["redis"] = f"Redis at {redis_url} does not answer ({exc})"
    return missing


MISSING = _missing_services()
_fallback_report: list[str] = []


def _require(services: tuple[str, ...]) -> None:
    absent = {name: MISSING[name] for name in services if name in MISSING}
    if absent:
        fallbacks.skip(", ".join(absent), "; ".join(absent.values()))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("integration"):
        _require(("postgresql", "redis"))
    elif item.get_closest_marker("postgresql"):
        _require(("postgresql",))
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        fallbacks.skip("Chromium", f"it is not installed at {CHROMIUM}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Every test skipped for want of something, from a marker or from the test itself
    (tests/fallbacks.py), is listed at the end."""
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(fallbacks.Missing):
        _fallback_report.append(f"{item.nodeid}: SKIPPED, {call.excinfo.value.msg}")
    return report


def pytest_terminal_summary(terminalreporter) -> None:
    write = terminalreporter.write_line
    if not MISSING and not _fallback_report:
        write(
            "Services: PostgreSQL and Redis; this run started "
            f"{len(workers.started)} real Celery worker process(es)."
        )
        return
    terminalreporter.section("FALLBACKS IN THIS RUN", sep="!", red=True, bold=True)
    if "postgresql" in MISSING:
        write("Database: every database test ran on SQLite, not PostgreSQL.", red=True)
    if "redis" in MISSING:
        write("Tasks: no Redis, so no test ran a task through a real broker.", red=True)
    for line in _fallback_report:
        write(line, red=True)
    write("Set DATABASE_URL and REDIS_URL (see docs/testing.md) to run on the real services.")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium; nothing is downloaded."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


def watch_console(page, *, ignore_favicon: bool = False) -> list[str]:
    """Everything the browser complains about on `page` from now on: a CSP violation, a
    failed script or stylesheet. With `ignore_favicon`, not the favicon Chromium asks for
    on its own (the admin names none)."""
    errors: list[str] = []

    def on_console(msg):
        url = msg.location.get("url", "")
        if msg.type == "error" and not (ignore_favicon and url.endswith("/favicon.ico")):
            errors.append(f"{msg.text} at {url}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def console_errors(page):
    return watch_console(page)


@pytest.fixture(autouse=True)
def _no_page_left_open(request):
    """A browser test closes every page it opened (through the `page`, `context` and
    `new_context` fixtures, which close theirs): a page left open in the session's
    browser goes on asking the live server (a thread page polls for new replies) while
    later tests run and while their database is flushed, which can deadlock the flush.
    One left open is closed here, and fails the test that opened it."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    browser = request.getfixturevalue("browser")
    yield
    left = list(browser.contexts)
    for context in left:
        context.close()
    assert not left, f"{len(left)} browser context(s) left open: use the new_context fixture"


# Names this run of the suite in cache keys (see `_page_cache_per_test`).
RUN_ID = uuid.uuid4().hex


@pytest.fixture(autouse=True)
def _page_cache_per_test(request, settings):
    """Pages and shared fragments are cached per test and per run: SQLite reuses the ids
    of rolled-back rows, so one test's cached thread page could otherwise answer
    another's; and a test database made afresh gives out the same ids again, while a real
    Redis keeps the last run's pages and fragments for a minute."""
    settings.PAGE_CACHE_RELEASE = f"{RUN_ID}:{request.node.nodeid}"


@pytest.fixture(scope="session")
def _media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, _media_root):
    """Uploaded images go to a folder of the test run's, never to the project's var/."""
    settings.MEDIA_ROOT = str(_media_root)


@pytest.fixture
def fresh_throttles(monkeypatch):
    """Throttles and rate limits counting from zero: an empty cache before and after the
    test (a real Redis keeps their counters from one run to the next), and log-in
    windows of a day, so that no window's end falls inside the test."""
    from django.core.cache import cache

    from forum.core import throttling

    monkeypatch.setattr(throttling, "LOGIN_FAILURE_WINDOW", 86400)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member(db):
    return UserFactory(username="member")


@pytest.fixture
def other_member(db):
    return UserFactory(username="other")


@pytest.fixture
def default_rules(db):
    """The rules a new forum starts with (`manage.py install_default_rules`)."""
    from moderation.defaults import install_default_rules
    from moderation.models import Rule

    install_default_rules(Rule)
    return {rule.kind: rule for rule in Rule.objects.all()}


@pytest.fixture
def newcomer(default_rules):
    """A trust level 0 member, with the default pre-moderation rule in force."""
    return UserFactory(username="newcomer", trust_level=0, post_count=0)


@pytest.fixture
def moderator(db):
    return ModeratorFactory(username="mod")


@pytest.fixture
def category(db):
    return CategoryFactory(slug="general", name="General")


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A separate `celery worker` process against the test database and the real Redis.
    The test's own process enqueues through Redis instead of running tasks in-process."""
    from forum.celery import app

    name = f"parley-test-{os.getpid()}@127.0.0.1"
    # Drop anything a previous run left in the queue, so this worker sees only this test.
    app.control.purge()
    with tasks_through_broker():
        process = start_celery_worker(worker_env(), name, tmp_path / "worker.log")
        try:
            yield process
        finally:
            stop_celery_worker(process)


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Run a write and the after-commit work it queued (checks, fan-out, domain events)."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run
