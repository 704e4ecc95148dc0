"""Reacting through a real browser (Playwright driving Debian's Chromium): with
JavaScript the counts change in place; without it the same buttons post a form and the
page comes back at the post with the new count."""

import pytest
from playwright.sync_api import expect

from forum.threads.models import Post, Reaction
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def discussion(category):
    bob = UserFactory(username="bob", password=PASSWORD)
    UserFactory(username="alice", password=PASSWORD)
    UserFactory(username="carol", password=PASSWORD)
    thread = make_thread(author=bob, category=category, title="Satellite imagery, read closely")
    reply = make_reply(thread=thread, author=bob, body="The convoy is **three** brigades.")
    return thread, reply


def _button(page, post, kind: str):
    return page.locator(f"#post-{post.pk} .reactions button.reaction-{kind}")


def _count(page, post, kind: str) -> str:
    return _button(page, post, kind).locator(".reaction-count").inner_text()


def test_a_member_reacts_in_place_with_javascript(live_server, page, discussion, console_errors):
    thread, reply = discussion
    log_in(page, live_server, "alice")
    page.goto(live_server.url + thread.get_absolute_url())
    address = page.url

    insightful = _button(page, reply, "insightful")
    assert insightful.get_attribute("aria-pressed") == "false"
    with page.expect_response(lambda r: r.url.endswith(f"/p/{reply.pk}/react/")) as answer:
        insightful.click()
    assert answer.value.status == 200

    page.wait_for_function(
        "button => button.getAttribute('aria-pressed') === 'true'",
        arg=insightful.element_handle(),
    )
    assert _count(page, reply, "insightful") == "1"
    assert page.url == address  # no page load: the count changed in place
    assert page.locator(f'#post-{reply.pk} a.reaction-who[href$="kind=insightful"]').is_visible()
    assert Reaction.objects.filter(post=reply, kind="insightful").count() == 1
    page.screenshot(path=str(ARTIFACTS / "web-reactions-javascript.png"), full_page=True)

    with page.expect_response(lambda r: r.url.endswith(f"/p/{reply.pk}/react/")):
        insightful.click()
    page.wait_for_function(
        "button => button.getAttribute('aria-pressed') === 'false'",
        arg=insightful.element_handle(),
    )
    assert _count(page, reply, "insightful") == "0"
    assert not Reaction.objects.exists()
    assert console_errors == []


def test_a_member_reacts_without_javascript(live_server, new_context, discussion):
    thread, reply = discussion
    page = new_context(java_script_enabled=False).new_page()
    errors = watch_console(page)
    log_in(page, live_server, "carol")
    page.goto(live_server.url + thread.get_absolute_url())
    assert _count(page, reply, "agree") == "0"

    _button(page, reply, "agree").click()

    page.wait_for_url(f"**{thread.get_absolute_url()}#post-{reply.pk}")
    assert _count(page, reply, "agree") == "1"
    assert _button(page, reply, "agree").get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(ARTIFACTS / "web-reactions-no-javascript.png"), full_page=True)

    page.locator(f'#post-{reply.pk} a.reaction-who[href$="kind=agree"]').click()
    expect(page.get_by_role("heading", name="Who found it “Agree”")).to_be_visible()
    expect(page.locator("ul.reactors").get_by_role("link", name="carol")).to_be_visible()
    assert errors == []


def test_the_author_sees_the_counts_of_their_own_post_without_buttons(
    live_server, page, discussion
):
    thread, reply = discussion
    Reaction.objects.create(post=reply, user=UserFactory(), kind="sources")
    Post.objects.filter(pk=reply.pk).update(reaction_counts={"sources": 1}, reaction_total=1)
    log_in(page, live_server, "bob")
    page.goto(live_server.url + thread.get_absolute_url() + "?sort=reactions")

    reactions = page.locator(f"#post-{reply.pk} .reactions")
    assert reactions.get_by_role("button").count() == 0
    assert "Sources? 1" in reactions.inner_text()
    page.screenshot(path=str(ARTIFACTS / "web-reactions-sorted.png"), full_page=True)
