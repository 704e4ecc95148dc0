"""The moderation admin's layout in a real browser (Playwright driving Debian's Chromium):
evidence marked inside the post on a review item's page, and the moderation screens
fitting a 1280 x 800 window and a 390 x 844 phone."""

import pytest
from playwright.sync_api import expect

from moderation import actions, pipeline, services
from moderation.models import ReviewItem
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import CategoryFactory, UserFactory, make_reply, make_thread
from tests.moderation.conftest import watched_words_rule
from tests.moderation.test_admin_browser import admin_log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

POST = (
    "## Cheap pills for all\n\n"
    "Mulch the beds before the frost, then buy cheap **pills at** my "
    "[shop](https://shop.example/offer) & more.\n\n"
    + "\n\n".join(f"Paragraph {n} of a long post about the garden in winter." for n in range(40))
)

# Whether a page is wider than the window, and every visible table header cell that is
# narrower than its longest word (measured with breaking inside words switched off, so
# a header broken letter by letter counts as too narrow), and every list whose columns
# are cut off by its own scroll box.
MEASURE = """() => {
  const visible = (el) => el.offsetParent !== null;
  const narrow = [];
  for (const th of document.querySelectorAll('th')) {
    if (!visible(th)) continue;
    const saved = [th.style.wordBreak, th.style.overflowWrap];
    th.style.wordBreak = 'normal';
    th.style.overflowWrap = 'normal';
    if (th.scrollWidth > th.clientWidth) {
      narrow.push(`${th.textContent.trim()} (${th.scrollWidth} > ${th.clientWidth})`);
    }
    [th.style.wordBreak, th.style.overflowWrap] = saved;
  }
  const cut = [...document.querySelectorAll('#changelist-form .results')]
    .filter((box) => box.scrollWidth > box.clientWidth)
    .map((box) => `${box.scrollWidth} > ${box.clientWidth}`);
  return {
    pageWidth: document.documentElement.scrollWidth,
    windowWidth: window.innerWidth,
    narrowHeaders: narrow,
    cutLists: cut,
  };
}"""

# The marks in the post grouped by the hit they show: each hit's pieces joined, in order.
HITS = """() => {
  const hits = {};
  for (const mark of document.querySelectorAll('.parley-post-body mark.parley-hit')) {
    hits[mark.dataset.hit] = (hits[mark.dataset.hit] || '') + mark.textContent;
  }
  return hits;
}"""

STYLE = """(el) => {
  const style = getComputedStyle(el);
  return {size: style.fontSize, colour: style.color, background: style.backgroundColor};
}"""


@pytest.fixture
def console_errors(page):
    return watch_console(page, ignore_favicon=True)


@pytest.fixture
def crowded_admin(moderator):
    """A queue and a log with long names everywhere: a long post flagged by two rules
    whose hits overlap, with one paragraph reported, a held post, and decisions with
    long reasons."""
    author = UserFactory(username="a_member_with_a_rather_long_username_indeed")
    watched_words_rule(moderator, ["cheap pills"], name="Pharmacy spam words and their lookalikes")
    watched_words_rule(moderator, ["pills at"], name="Shop talk")
    category = CategoryFactory(slug="allotments", name="Gardening, allotments and horticulture")
    thread = make_thread(
        author=author,
        category=category,
        title="What to plant in November when the ground is already cold and wet",
    )
    # Reported while readers could still see it, then checked as the worker checks it.
    flagged = make_reply(thread=thread, author=author, body=POST)
    services.report_file(
        reporter=UserFactory(username="careful_reader"), post=flagged, reason="spam", paragraph=1
    )
    flagged.refresh_from_db()
    pipeline.revision_check(revision_id=flagged.current_revision_id)
    held = make_reply(thread=thread, author=UserFactory(username="newbie", trust_level=0))
    services.review_item_open(post=held, reason=ReviewItem.Reason.PREMODERATION)
    decided = make_reply(thread=thread, author=author, body="Another reply worth a look.")
    actions.perform(
        "hide",
        actor=moderator,
        target=decided,
        reason="Hidden while we check the link it carries: "
        "https://shop.example/a/very/long/path/that/goes/on/and/on/without/any/space "
        "and a note for the other moderators about what to look for in the thread.",
    )
    return {"flagged": flagged, "item": ReviewItem.objects.get(post=flagged)}


def _open(page, url: str, size: dict) -> None:
    page.set_viewport_size(size)
    page.goto(url)


def test_the_evidence_is_marked_inside_the_post_one_mark_per_hit(
    live_server, page, moderator, crowded_admin, console_errors
):
    admin_log_in(page, live_server, moderator.username)
    item = crowded_admin["item"]
    _open(page, f"{live_server.url}/admin/moderation/reviewitem/{item.pk}/change/", DESKTOP)

    # The decision is in the first screenful, above the post's bounded box.
    expect(page.get_by_role("button", name="Remove", exact=True)).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / "admin-evidence-first-screen.png"))
    body = page.locator("#post-box .parley-post-body")
    # Every mark on the page is inside the post; each hit's first piece carries its id.
    assert page.locator("mark").count() == body.locator("mark").count() > 0
    expect(body.locator("mark[id^='evidence-']")).to_have_count(3)
    assert sorted(page.evaluate(HITS).values()) == ["Cheap pills", "cheap pills", "pills at"]
    # "cheap pills" runs into the bold "pills at": the overlap is marked by both rules,
    # and no mark leaves the bold text it starts in.
    bold = body.locator("strong")
    expect(bold).to_have_text("pills at")
    expect(bold.locator("mark.parley-hit")).to_have_count(3)  # "pills" in two, " at"
    expect(body.locator("h2 mark")).to_have_text("Cheap pills")
    expect(body.locator("h2 mark")).to_have_attribute(
        "title", 'Pharmacy spam words and their lookalikes v1: watched word "cheap pills"'
    )

    # The post's heading keeps the post's style, not the admin's coloured bar.
    heading = page.evaluate(STYLE, body.locator("h2").element_handle())
    admin_heading = page.evaluate(STYLE, page.locator("#post-evidence > h2").element_handle())
    assert heading["size"] != admin_heading["size"]
    assert heading["colour"] != admin_heading["colour"]
    assert heading["background"] != admin_heading["background"]

    # The rules that fired link to their marks, inside the post's own scroll box.
    fired = page.locator("#rules-fired .parley-fired-rule")
    expect(fired).to_have_count(2)
    expect(fired.first).to_contain_text("Pharmacy spam words and their lookalikes")
    last_mark = fired.first.locator("a.parley-hit-link").last
    target = page.locator(last_mark.get_attribute("href"))
    box = page.locator("#post-box")
    assert box.evaluate("(el) => el.scrollHeight > el.clientHeight")
    assert box.evaluate("(el) => getComputedStyle(el).overflowY") == "auto"
    assert box.evaluate("(el) => el.clientHeight") <= DESKTOP["height"] * 0.6
    last_mark.click()
    expect(target).to_be_in_viewport()

    # The reported paragraph is marked whole, and the report links to it under the number
    # the member saw (index 1 is the second paragraph, after the heading).
    reported = body.locator("#reported-1")
    expect(reported).to_have_attribute("title", "1 report of paragraph 2")
    expect(body.locator("p").nth(0)).to_contain_text("Mulch the beds")
    assert body.locator("p").nth(0).locator("mark.parley-reported").count() >= 1
    page.get_by_role("link", name="paragraph 2").click()
    expect(reported).to_be_in_viewport()

    # The decision stays at hand, and the post's links are as members get them.
    expect(page.get_by_role("button", name="Remove", exact=True)).to_be_visible()
    link = body.get_by_role("link", name="shop")
    rel = set(link.get_attribute("rel").split())
    assert {"noopener", "nofollow", "ugc"} <= rel
    page.screenshot(path=str(ARTIFACTS / "admin-evidence-in-place.png"), full_page=True)
    assert console_errors == []


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_the_moderation_screens_fit_the_window(
    live_server, page, moderator, crowded_admin, console_errors, size
):
    admin_log_in(page, live_server, moderator.username)
    screens = {
        "home": "/admin/",
        "queue": "/admin/moderation/reviewitem/?state__exact=pending",
        "log": "/admin/moderation/moderationlogentry/",
        "item": f"/admin/moderation/reviewitem/{crowded_admin['item'].pk}/change/",
        "dashboard": "/admin/moderation/reviewitem/dashboard/",
    }
    name = f"{size['width']}x{size['height']}"
    for screen, path in screens.items():
        _open(page, live_server.url + path, size)
        page.screenshot(path=str(ARTIFACTS / f"admin-layout-{screen}-{name}.png"), full_page=True)
        measured = page.evaluate(MEASURE)
        assert measured["pageWidth"] <= measured["windowWidth"], (screen, measured)
        assert measured["narrowHeaders"] == [], (screen, measured)
        assert measured["cutLists"] == [], (screen, measured)
    assert console_errors == []
