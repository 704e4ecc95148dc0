"""What is new to a member, in a real browser (Playwright driving Debian's Chromium): a
reply written while they read shows up as "1 new reply — show" with their notification
count, without a reload, and "show" lands on it; the next day their home page says
"N new" and the link lands at the marker before the first new post; a hidden tab does not
ask; without JavaScript nothing asks."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forum.threads.models import ThreadRead
from forum.threads.unread import services
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_every_second(settings):
    settings.PARLEY = {**settings.PARLEY, "LIVE_UPDATE_SECONDS": 1}


@pytest.fixture
def discussion(category):
    bob = UserFactory(username="bob", password=PASSWORD)
    alice = UserFactory(username="alice", password=PASSWORD)
    thread = make_thread(author=bob, category=category, title="Reading the grain figures")
    question = make_reply(thread=thread, author=alice, body="Where do the **figures** come from?")
    return thread, bob, alice, question


def test_a_reply_shows_up_live_with_the_notification_count_and_show_lands_on_it(
    live_server, page, live_every_second, discussion, console_errors
):
    thread, bob, _, question = discussion
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    live = page.locator(".live-updates")
    expect(live).to_be_hidden()
    page.evaluate("window.loadedOnce = true")

    answer = make_reply(thread=thread, author=bob, parent=question, body="The ministry's tables.")

    expect(live).to_be_visible(timeout=6000)
    expect(live).to_contain_text("1 new reply")
    badge = page.locator("[data-notifications] .badge")
    expect(badge).to_have_text("1", timeout=6000)
    assert page.evaluate("window.loadedOnce") is True  # the same page: no reload
    assert page.locator(f"#post-{answer.pk}").count() == 0
    page.screenshot(path=str(ARTIFACTS / "web-unread-live-reply.png"), full_page=True)

    live.get_by_role("link", name="show").click()

    page.wait_for_url(f"**{thread.get_absolute_url()}#unread")
    expect(page.locator("#unread")).to_have_text("New since your last visit")
    expect(page.locator(f"#post-{answer.pk}")).to_contain_text("The ministry's tables.")
    marker_then_answer = page.evaluate(
        """id => {
            const marker = document.getElementById("unread");
            const post = document.getElementById(id);
            return Boolean(marker.compareDocumentPosition(post) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""",
        f"post-{answer.pk}",
    )
    assert marker_then_answer
    page.screenshot(path=str(ARTIFACTS / "web-unread-show.png"), full_page=True)
    assert console_errors == []


def test_the_next_day_the_home_page_says_what_is_new_and_lands_at_the_marker(
    live_server, page, discussion, console_errors
):
    thread, bob, alice, question = discussion
    # Yesterday alice read the thread up to her question.
    services.thread_read_mark(user=alice, thread=thread, position=question.position)
    ThreadRead.objects.filter(user=alice).update(read_at=timezone.now() - dt.timedelta(days=1))
    first = make_reply(thread=thread, author=bob, body="Overnight: the harvest estimate.")
    make_reply(thread=thread, author=bob, parent=first, body="And a correction to it.")
    unopened = make_thread(author=bob, category=thread.category, title="Storage capacity")

    log_in(page, live_server, "alice")
    row = page.locator(".thread-row", has_text=thread.title)
    expect(row).to_have_class("thread-row unread")
    expect(row.locator(".unread-badge")).to_have_text("2 new")
    expect(
        page.locator(".thread-row", has_text=unopened.title).locator(".unread-badge")
    ).to_have_text("new")
    page.screenshot(path=str(ARTIFACTS / "web-unread-home.png"), full_page=True)

    row.get_by_role("link", name=thread.title).click()

    page.wait_for_url(f"**{thread.get_absolute_url()}#unread")
    marker = page.locator("#unread")
    expect(marker).to_be_in_viewport()
    assert page.evaluate(
        """id => Boolean(document.getElementById("unread").compareDocumentPosition(
            document.getElementById(id)) & Node.DOCUMENT_POSITION_FOLLOWING)""",
        f"post-{first.pk}",
    )
    page.screenshot(path=str(ARTIFACTS / "web-unread-marker.png"))

    # Read now: back home, the thread says nothing new.
    page.goto(live_server.url + "/")
    expect(
        page.locator(".thread-row", has_text=thread.title).locator(".unread-badge")
    ).to_have_count(0)
    assert console_errors == []


def test_a_hidden_tab_does_not_ask(live_server, page, live_every_second, discussion):
    thread, *_ = discussion
    log_in(page, live_server, "alice")
    asked = []
    page.on("request", lambda request: "/updates/" in request.url and asked.append(request.url))
    page.goto(live_server.url + thread.get_absolute_url())
    page.wait_for_timeout(2500)
    assert asked  # the visible tab asks every second

    page.evaluate(
        """() => {
            Object.defineProperty(
                document, "visibilityState", {value: "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    before = len(asked)
    page.wait_for_timeout(2500)
    assert len(asked) == before


def test_without_javascript_nothing_asks(live_server, new_context, live_every_second, discussion):
    thread, *_ = discussion
    page = new_context(java_script_enabled=False).new_page()
    errors = watch_console(page)
    log_in(page, live_server, "alice")
    asked = []
    page.on("request", lambda request: "/updates/" in request.url and asked.append(request.url))
    page.goto(live_server.url + thread.get_absolute_url())
    page.wait_for_timeout(2000)

    assert asked == []
    expect(page.locator(".live-updates")).to_be_hidden()
    assert errors == []
