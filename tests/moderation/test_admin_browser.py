"""The moderation admin in a real browser (Playwright driving Debian's Chromium)."""

import re

import pytest
from playwright.sync_api import expect

from forum.threads.models import PostState
from moderation import actions, services
from moderation.models import ModerationLogEntry, ReviewItem, Rule
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import UserFactory, make_reply, make_thread
from tests.moderation.conftest import checked_reply, flag_cheap_pills

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def console_errors(page):
    return watch_console(page, ignore_favicon=True)


def admin_log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


@pytest.fixture
def queue(moderator, member):
    """A post flagged by a rule, and a newcomer's post held for approval."""
    flag_cheap_pills(moderator, name="No pills")
    thread = make_thread(author=member, title="Gardening in November")
    flagged = checked_reply(
        thread=thread,
        author=member,
        body="Mulch the beds before the frost.\n\nAlso, buy cheap pills at my shop.",
    )
    held = make_reply(thread=thread, author=UserFactory(username="newbie", trust_level=0))
    services.review_item_open(post=held, reason="premoderation")
    return {"flagged": flagged, "held": held}


def test_moderator_filters_opens_an_item_sees_the_evidence_removes_it_and_the_log_shows_it(
    live_server, page, moderator, queue, console_errors
):
    flagged = queue["flagged"]
    admin_log_in(page, live_server, moderator.username)
    summary = page.locator("#review-queue-summary")
    expect(summary).to_contain_text("2 pending")

    summary.get_by_role("link", name="A rule fired: 1").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Post {flagged.pk} in")
    page.screenshot(path=str(ARTIFACTS / "admin-queue-filtered.png"), full_page=True)
    rows.first.get_by_role("link", name=re.compile(f"Post {flagged.pk} in")).click()

    evidence = page.locator(".parley-post-body mark.parley-hit")
    expect(evidence).to_have_count(1)
    expect(evidence).to_have_text("cheap pills")
    expect(evidence).to_have_attribute("title", 'No pills v1: watched word "cheap pills"')
    expect(page.locator(".parley-post-body")).to_contain_text("Mulch the beds")
    page.screenshot(path=str(ARTIFACTS / "admin-queue-item.png"), full_page=True)

    page.get_by_label("Reason").fill("Selling pills")
    page.get_by_role("button", name="Remove", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("Remove: done.")
    flagged.refresh_from_db()
    assert flagged.state == PostState.REMOVED

    page.goto(f"{live_server.url}/admin/moderation/moderationlogentry/?action_name=remove")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("Selling pills")
    expect(row).to_contain_text(moderator.username)
    assert ModerationLogEntry.objects.filter(
        action="remove", target_id=flagged.pk, actor=moderator, reason="Selling pills"
    ).exists()
    assert console_errors == []
    page.screenshot(path=str(ARTIFACTS / "admin-queue-remove-logged.png"), full_page=True)


def test_a_rule_is_written_in_its_fields_tried_out_then_enabled(
    live_server, page, moderator, member, console_errors
):
    thread = make_thread(author=member, title="Holiday plans")
    caught = make_reply(thread=thread, author=member, body="Claim your crypto giveaway today.")
    make_reply(thread=thread, author=member, body="We are going to the coast.")
    admin_log_in(page, live_server, moderator.username)

    # Adding a rule starts with its kind, which decides the fields.
    page.goto(f"{live_server.url}/admin/moderation/rule/add/")
    page.get_by_role("link", name="Watched words and patterns").click()
    expect(page.get_by_label("Words and phrases")).to_be_visible()
    expect(page.get_by_label("Denied domains")).to_have_count(0)
    expect(page.get_by_label("Pattern time limit (ms)")).to_have_value("25")
    page.get_by_label("Name").fill("Giveaways")
    page.get_by_label("Action").select_option("flag")
    page.get_by_label("Words and phrases").fill("crypto giveaway\nfree airdrop")
    page.get_by_label("Pattern time limit (ms)").fill("0")
    page.get_by_label("Enabled").check()
    page.get_by_role("button", name="Save", exact=True).click()

    # The mistake is shown next to its field, and enabling untried is refused.
    timeout_row = page.locator(".form-row.field-param_pattern_timeout_ms")
    expect(timeout_row.locator(".errorlist")).to_contain_text(
        '"pattern_timeout_ms" must be a whole number from 1 to 1000, got 0'
    )
    page.screenshot(path=str(ARTIFACTS / "admin-rule-field-error.png"), full_page=True)
    page.get_by_label("Pattern time limit (ms)").fill("25")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".form-row.field-enabled .errorlist")).to_contain_text(
        "Try this rule against recent posts before enabling it"
    )
    assert not Rule.objects.exists()

    # Trying the form's parameters shows what they would catch.
    page.get_by_role("button", name="Try these parameters").click()
    expect(page.locator("#tryout-summary")).to_have_text(
        "Checked 3 posts: 1 would be caught, 1 hit."
    )
    hit = page.locator(".tryout-hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text(f"Post {caught.pk}")
    expect(hit.locator("mark")).to_have_text("crypto giveaway")
    expect(page.get_by_label("Words and phrases")).to_have_value("crypto giveaway\nfree airdrop")
    assert not Rule.objects.exists()  # trying writes nothing
    page.screenshot(path=str(ARTIFACTS / "admin-rule-tried.png"), full_page=True)

    page.get_by_role("button", name="Save and enable").click()
    expect(page.locator(".messagelist")).to_contain_text("Rule “Giveaways” (v1) enabled.")
    expect(page.get_by_label("Words and phrases")).to_have_value("crypto giveaway\nfree airdrop")
    rule = Rule.objects.get()
    assert rule.enabled and rule.params["words"] == ["crypto giveaway", "free airdrop"]
    assert not ModerationLogEntry.objects.filter(action="rule_enable_untried").exists()
    assert console_errors == []
    page.screenshot(path=str(ARTIFACTS / "admin-rule-tried-then-enabled.png"), full_page=True)


def test_a_moderator_cannot_open_admin_only_screens(live_server, page, moderator):
    admin_log_in(page, live_server, moderator.username)
    nav = page.locator("#content-main")
    expect(nav.get_by_role("link", name="Review items")).to_be_visible()
    expect(nav.get_by_role("link", name="Categories")).to_have_count(0)
    expect(nav.get_by_role("link", name="Threads")).to_have_count(0)

    for path in (
        "/admin/threads/category/",
        "/admin/threads/post/",
        "/admin/auth/group/",
        "/admin/accounts/user/add/",
        "/admin/accounts/categorymoderator/",
    ):
        response = page.goto(live_server.url + path)
        assert response.status == 403, path
    page.screenshot(path=str(ARTIFACTS / "admin-moderator-refused.png"), full_page=True)


def test_the_dashboard_draws_its_chart_without_script(
    live_server, page, moderator, queue, console_errors
):
    item = ReviewItem.objects.get(post=queue["held"])
    actions.review_item_decide(moderator=moderator, item=item, approve=True, reason="ok")
    admin_log_in(page, live_server, moderator.username)
    page.locator("#review-queue-summary").get_by_role("link", name="Dashboard").click()

    expect(page.locator("#figure-queue-size")).to_contain_text("1")
    expect(page.locator("#figure-decisions")).to_have_text("1")
    chart = page.locator("svg.parley-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(2)  # one bar (approve) and its legend key
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    assert console_errors == []
    page.screenshot(path=str(ARTIFACTS / "admin-dashboard.png"), full_page=True)
