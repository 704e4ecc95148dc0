"""A member's way through the forum in a real browser (Playwright driving Debian's
Chromium), end to end: they find a thread by searching, come back the next day and land
on what is new, react to it and bookmark it with a note, write an analysis of their own
with a chart and footnotes (previewed first), and see a reply to it appear while they
read, without a reload. Each step's screen is kept in test-artifacts/."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from forum.threads.models import Bookmark, Image, Post, Reaction, Thread, ThreadRead
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS
from tests.factories import UserFactory, make_reply, make_thread
from tests.forum.web.test_web_images_browser import chart_png

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANALYSIS = (
    "Exports fell by a third in one season.[^tables]\n\n"
    "The drop came before the new tariff.[^tariff]\n\n"
    "[^tables]: The ministry's monthly tables.\n"
    "[^tariff]: It took effect in March.\n"
)


@pytest.fixture
def live_every_second(settings):
    settings.PARLEY = {**settings.PARLEY, "LIVE_UPDATE_SECONDS": 1}


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"journey-{name}.png"), full_page=True)


def test_a_member_finds_comes_back_reacts_bookmarks_writes_and_sees_a_reply_live(
    live_server, page, category, live_every_second, console_errors
):
    bob = UserFactory(username="bob", password=PASSWORD)
    carol = UserFactory(username="carol", password=PASSWORD)
    thread = make_thread(
        author=bob, category=category, title="Where the grain went", body="Grain exports."
    )
    make_reply(thread=thread, author=bob, body="Harvest figures by region.")

    # Find the thread by searching from the header.
    log_in(page, live_server, "carol")
    page.get_by_role("searchbox", name="Search the forum").fill("grain")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?"))
    shot(page, "1-search")
    page.get_by_role("link", name="Where the grain went").first.click()
    page.wait_for_url(re.compile(rf"/t/{thread.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(thread.title)

    # The next day: a reply came overnight; the home page says so and lands on it.
    ThreadRead.objects.filter(user=carol).update(read_at=timezone.now() - dt.timedelta(days=1))
    overnight = make_reply(thread=thread, author=bob, body="Overnight: the port closed.")
    page.goto(live_server.url + "/")
    row = page.locator(".thread-row", has_text=thread.title)
    expect(row.locator(".unread-badge")).to_have_text("1 new")
    shot(page, "2-home-next-day")
    row.get_by_role("link", name=thread.title).click()
    page.wait_for_url(f"**{thread.get_absolute_url()}#unread")
    expect(page.locator("#unread")).to_be_in_viewport()

    # React to it and bookmark it with a note.
    post = page.locator(f"#post-{overnight.pk}")
    insightful = post.locator(".reaction-insightful")
    insightful.click()
    expect(insightful.locator(".reaction-count")).to_have_text("1")
    expect(insightful).to_have_attribute("aria-pressed", "true")
    bookmark = post.locator("details.bookmark")
    bookmark.locator("summary").click()
    bookmark.get_by_label("Note").fill("Check the port's own figures")
    bookmark.get_by_role("button", name="Save").click()
    expect(bookmark).to_have_class(re.compile("is-bookmarked"))
    shot(page, "3-reacted-bookmarked")
    page.goto(live_server.url + "/bookmarks/")
    expect(page.locator(".bookmark-list")).to_contain_text("Check the port's own figures")
    expect(page.locator(".bookmark-list")).to_contain_text("Overnight: the port closed.")

    # Write an analysis with a chart and footnotes, previewed before it is posted.
    page.goto(live_server.url + "/new/")
    page.get_by_label("Category").select_option(label=category.name)
    page.get_by_label("Title").fill("The grain trade in one chart")
    page.get_by_label("Your post").fill(ANALYSIS)
    page.get_by_label(re.compile("Add an image")).set_input_files(
        {"name": "exports.png", "mimeType": "image/png", "buffer": chart_png()}
    )
    page.get_by_role("button", name="Upload image").click()
    expect(page.locator(".image-upload-status")).to_contain_text("320 × 200")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".preview")
    expect(preview.locator(".footnotes li")).to_have_count(2)
    expect(preview.locator("img")).to_have_attribute("width", "320")
    shot(page, "4-preview")
    page.get_by_role("button", name="Post thread").click()

    analysis = Thread.objects.get(title="The grain trade in one chart")
    page.wait_for_url(f"**{analysis.get_absolute_url()}")
    opening = page.locator(f"#post-{analysis.opening_post_id}")
    chart = opening.locator("img")
    expect(chart).to_have_attribute("src", Image.objects.get(uploaded_by=carol).url)
    expect(chart).to_have_attribute("height", "200")
    notes = opening.locator(".footnotes li")
    expect(notes).to_have_count(2)
    # Each reference leads to its note, and each note back to where it was cited.
    reference = opening.locator(".footnote-ref a").first
    reference.click()
    expect(notes.first).to_contain_text("The ministry's monthly tables.")
    assert page.evaluate("location.hash") == reference.get_attribute("href")
    backref = notes.first.locator(".footnote-backref")
    assert opening.locator(f"[id='{backref.get_attribute('href')[1:]}']").count() == 1
    shot(page, "5-analysis-posted")

    # While carol reads her thread, bob answers: it shows up without a reload.
    page.evaluate("window.loadedOnce = true")
    answer = make_reply(
        thread=analysis,
        author=bob,
        parent=Post.objects.get(pk=analysis.opening_post_id),
        body="Which port, though?",
    )
    live = page.locator(".live-updates")
    expect(live).to_contain_text("1 new reply", timeout=6000)
    assert page.evaluate("window.loadedOnce") is True
    shot(page, "6-reply-live")
    live.get_by_role("link", name="show").click()
    expect(page.locator(f"#post-{answer.pk}")).to_contain_text("Which port, though?")

    assert Reaction.objects.filter(user=carol, post=overnight, kind="insightful").exists()
    assert Bookmark.objects.get(user=carol, post=overnight).note == "Check the port's own figures"
    assert console_errors == []
