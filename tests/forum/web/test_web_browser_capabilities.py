"""What each reader is offered on the forum's pages, in a real browser (Playwright driving
Debian's Chromium): a silenced member reads but is offered nothing to write, a locked
thread closes replies and edits to members but not to moderators, a hidden opening post
hides that post only while a hidden thread is gone for everyone but its author and the
moderators, a removed post offers its author an appeal until they delete it, and a
moderator's tools follow their categories and lapse under a sanction."""

import datetime as dt

import pytest
from django.utils import dateformat, timezone
from playwright.sync_api import expect

from forum.accounts.models import CategoryModerator, User
from forum.threads.models import Post, PostState, Thread
from forum.threads.services import post_delete
from moderation.actions import perform
from moderation.services import sanction_impose
from tests.browser import PASSWORD, clean_slate, log_in  # noqa: F401
from tests.conftest import ARTIFACTS, watch_console
from tests.factories import CategoryFactory, ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SILENCED = "Your account is silenced: you can read but not post."
LOCKED = "This thread is locked; replies are closed."
HIDDEN_PLACEHOLDER = "This post is hidden while moderators review it."


def second_reader(new_context, live_server, username: str | None = None):
    """Another person at another browser: signed in as `username`, or anonymous."""
    page = new_context().new_page()
    errors = watch_console(page)
    if username:
        log_in(page, live_server, username)
    return page, errors


def header(page):
    return page.get_by_role("navigation", name="Account")


def post_section(page, post):
    return page.locator(f"#post-{post.pk}")


def own(section, selector: str):
    """`selector` in a post's own part of its section, not in the replies nested below it."""
    return section.locator(f":scope > {selector}, :scope > details > {selector}")


def body(page, post) -> str:
    return own(post_section(page, post), ".post-body").inner_text()


def placeholder(page, post) -> str:
    return own(post_section(page, post), ".placeholder").inner_text()


def meta(page, post) -> str:
    return own(post_section(page, post), ".post-meta").inner_text()


def action_links(page, post) -> list[str]:
    """The links in a post's own "Actions" list."""
    links = own(post_section(page, post), ".post-actions a").all_inner_texts()
    return [text.strip() for text in links]


def unexpected_console_errors(errors: list[str], *statuses: int) -> list[str]:
    """`errors`, less Chromium's own line for each page this test expected to be refused
    with one of `statuses` (it reports the document's status, not a fault)."""
    expected = tuple(f"status of {status}" for status in statuses)
    return [error for error in errors if not any(text in error for text in expected)]


# --- a silenced member ----------------------------------------------------------------


def test_silenced_member_reads_the_thread_but_is_offered_nothing_to_write(
    live_server, page, category, moderator, console_errors
):
    quiet = UserFactory(username="quiet")
    writer = UserFactory(username="writer")
    thread = make_thread(
        author=writer, category=category, title="Tea or coffee", body="Tea, obviously."
    )
    own_reply = make_reply(thread=thread, author=quiet, body="Coffee, before it happened.")
    answer = make_reply(thread=thread, author=writer, parent=own_reply, body="Tea, again.")

    # The member has the thread open in a tab when a moderator silences them.
    log_in(page, live_server, "quiet")
    assert page.locator("#standing-notice").count() == 0
    assert header(page).get_by_role("link", name="New thread").is_visible()
    earlier = page.context.new_page()
    earlier_errors = watch_console(earlier)
    earlier.goto(live_server.url + thread.get_absolute_url())
    assert action_links(earlier, answer) == ["Reply", "Quote", "Report"]
    ends_at = (timezone.now() + dt.timedelta(days=3)).replace(second=0, microsecond=0)
    sanction_impose(
        actor=moderator,
        user=quiet,
        kind="silence",
        reason="Repeated flame-baiting",
        ends_at=ends_at,
    )
    until = dateformat.format(timezone.localtime(ends_at), "j M Y, H:i")

    # Every page says so, until when and why, and none offers a new thread.
    page.reload()
    notice = page.locator("#standing-notice")
    assert notice.is_visible()
    text = notice.inner_text()
    assert "Your account is silenced" in text
    assert f"until {until}" in text
    assert "Repeated flame-baiting" in text
    assert notice.locator("time").get_attribute("datetime") == ends_at.isoformat()
    assert page.get_by_role("link", name="New thread").count() == 0

    # The thread: readable, with the refusal where the reply form was.
    page.get_by_role("link", name="Tea or coffee").click()
    page.wait_for_url(f"**{thread.get_absolute_url()}")
    assert "Repeated flame-baiting" in page.locator("#standing-notice").inner_text()
    assert body(page, thread.opening_post) == "Tea, obviously."
    assert body(page, answer) == "Tea, again."
    assert page.locator("#reply-form").count() == 0
    assert page.get_by_role("button", name="Post reply").count() == 0
    refusal = page.locator("p.reply-refused")
    assert refusal.is_visible()
    assert refusal.inner_text() == SILENCED
    for name in ("Reply", "Quote", "Report", "Edit"):
        assert page.get_by_role("link", name=name, exact=True).count() == 0, name
    assert page.locator(".post-body[data-reply-url], .post-body[data-report-url]").count() == 0
    # Not even under their own post, which they may still delete: taking back is not writing.
    assert body(page, own_reply) == "Coffee, before it happened."
    assert action_links(page, own_reply) == []
    assert page.locator(".post-actions").count() == 1
    actions = own(post_section(page, own_reply), ".post-actions")
    assert actions.get_by_role("button").all_inner_texts() == ["Delete"]
    page.screenshot(path=str(ARTIFACTS / "web-silenced-member-thread.png"), full_page=True)

    # Typing the address of the new-thread form gets the reason, not a form.
    response = page.goto(f"{live_server.url}/new/")
    assert response.status == 403
    assert page.get_by_text(SILENCED).is_visible()
    assert page.get_by_label("Title").count() == 0
    assert page.locator("#standing-notice").is_visible()
    assert unexpected_console_errors(console_errors, 403) == []

    # The Reply link in the tab opened before leads to the same refusal, not to a form
    # and not to a "bad request".
    with earlier.expect_navigation() as navigation:
        own(post_section(earlier, answer), ".post-actions").get_by_role(
            "link", name="Reply"
        ).click()
    assert earlier.locator("#reply-form").count() == 0
    assert earlier.locator("p.reply-refused").inner_text() == SILENCED
    # The thread page, which they may read, with the refusal where the form would be.
    assert navigation.value.status == 200
    assert unexpected_console_errors(earlier_errors, 403) == []


def test_silenced_member_keeps_their_profile_and_still_saves_other_settings(
    live_server, page, moderator, console_errors
):
    quiet = UserFactory(username="quiet", display_name="Quiet One", bio="I like tea.")
    sanction_impose(actor=moderator, user=quiet, kind="silence", reason="Spamming links")

    log_in(page, live_server, "quiet")
    page.get_by_role("link", name="Settings").click()

    notice = page.locator("#standing-notice")
    assert "until a moderator lifts it" in notice.inner_text()
    assert "Spamming links" in notice.inner_text()
    display_name = page.get_by_label("Display name")
    bio = page.get_by_label("About you")
    assert display_name.is_disabled() and bio.is_disabled()
    assert display_name.input_value() == "Quiet One"
    assert bio.input_value() == "I like tea."
    assert page.get_by_text("You cannot change this while your account is silenced.").count() == 2

    page.get_by_label("Notification e-mail").select_option("weekly")
    page.get_by_label("Watch threads I start or reply to").uncheck()
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    quiet.refresh_from_db()
    assert (quiet.email_frequency, quiet.auto_watch_threads) == ("weekly", False)
    assert (quiet.display_name, quiet.bio) == ("Quiet One", "I like tea.")
    assert page.get_by_label("Notification e-mail").input_value() == "weekly"
    assert page.get_by_label("Display name").is_disabled()
    assert console_errors == []


# --- a locked thread ------------------------------------------------------------------


def test_locked_thread_closes_replies_and_edits_to_members_but_a_moderator_still_replies(
    live_server, page, new_context, category, moderator, console_errors
):
    author = UserFactory(username="author")
    thread = make_thread(
        author=author, category=category, title="Settled question", body="The answer is 42."
    )
    own_reply = make_reply(thread=thread, author=author, body="And I stand by it.")
    make_reply(thread=thread, author=UserFactory(username="other"), body="Agreed.")

    # The moderator locks it from the thread page.
    log_in(page, live_server, "mod")
    page.goto(live_server.url + thread.get_absolute_url())
    page.get_by_role("button", name="Lock thread").click()
    expect(page.get_by_text("Lock: done.")).to_be_visible()
    assert Thread.objects.get(pk=thread.pk).is_locked
    assert page.get_by_role("button", name="Unlock thread").is_visible()

    # The author: no edit of their own posts, no reply, and the page says why.
    reader, reader_errors = second_reader(new_context, live_server, "author")
    reader.goto(live_server.url + thread.get_absolute_url())
    assert reader.get_by_text("This thread is locked.", exact=True).is_visible()
    assert reader.locator("p.reply-refused").inner_text() == LOCKED
    assert reader.locator("#reply-form").count() == 0
    for name in ("Reply", "Quote", "Edit"):
        assert reader.get_by_role("link", name=name, exact=True).count() == 0, name
    assert action_links(reader, thread.opening_post) == []
    assert action_links(reader, own_reply) == []
    response = reader.goto(f"{live_server.url}/p/{own_reply.pk}/edit/")
    assert response.status == 403
    assert reader.get_by_text("This thread is locked; posts cannot be edited.").is_visible()
    assert unexpected_console_errors(reader_errors, 403) == []

    # The moderator still has the reply form, and replies.
    page.goto(live_server.url + thread.get_absolute_url())
    assert page.locator("p.reply-refused").count() == 0
    form = page.locator("#reply-form")
    form.get_by_label("Your reply").fill("Locked: the question is settled.")
    form.get_by_role("button", name="Post reply").click()
    reply = Post.objects.get(body_source="Locked: the question is settled.")
    assert reply.author_id == moderator.pk and reply.state == PostState.VISIBLE
    assert body(page, reply) == "Locked: the question is settled."
    assert console_errors == []


# --- hidden content -------------------------------------------------------------------


def test_hiding_the_opening_post_leaves_the_thread_and_its_replies_readable(
    live_server, page, new_context, category, moderator, console_errors
):
    author = UserFactory(username="author")
    thread = make_thread(
        author=author,
        category=category,
        title="A heated analysis",
        body="An opening that crosses the line.",
    )
    opening = thread.opening_post
    first = make_reply(thread=thread, author=UserFactory(username="other"), body="A calm answer.")
    second = make_reply(thread=thread, author=author, parent=first, body="A calm reply to it.")

    # An anonymous reader has the thread page (and so its cached copy) before the hiding.
    anonymous, anonymous_errors = second_reader(new_context, live_server)
    anonymous.goto(live_server.url + thread.get_absolute_url())
    assert "An opening that crosses the line." in anonymous.locator(".opening-post").inner_text()

    # The moderator hides the opening post with the tools under it.
    log_in(page, live_server, "mod")
    page.goto(live_server.url + thread.get_absolute_url())
    tools = page.get_by_role("form", name=f"Moderate post {opening.pk}")
    tools.get_by_label("Reason").fill("Insults another member")
    tools.get_by_role("button", name="Hide").click()
    expect(page.get_by_text("Hide: done.")).to_be_visible()
    opening.refresh_from_db()
    thread.refresh_from_db()
    assert opening.state == PostState.HIDDEN
    assert thread.state == PostState.VISIBLE
    assert body(page, opening) == "An opening that crosses the line."
    assert "Hidden: Insults another member" in meta(page, opening)

    # Another member: the thread is listed, the opening post is a placeholder, the replies
    # are there to read and answer.
    reader, reader_errors = second_reader(new_context, live_server, "other")
    assert reader.get_by_role("link", name="A heated analysis").is_visible()
    reader.get_by_role("link", name="A heated analysis").click()
    reader.wait_for_url(f"**{thread.get_absolute_url()}")
    assert reader.get_by_role("heading", name="A heated analysis").is_visible()
    assert placeholder(reader, opening) == HIDDEN_PLACEHOLDER
    assert own(post_section(reader, opening), ".post-body").count() == 0
    assert "crosses the line" not in reader.locator("main").inner_text()
    assert reader.locator(".reading-time, nav.toc").count() == 0
    assert body(reader, first) == "A calm answer."
    assert body(reader, second) == "A calm reply to it."
    assert action_links(reader, second) == ["Reply", "Quote", "Report"]
    assert reader.locator(".mod-tools").count() == 0
    reader.screenshot(path=str(ARTIFACTS / "web-hidden-opening-post.png"), full_page=True)

    # The anonymous reader, coming back, is not served the copy from before.
    anonymous.goto(live_server.url + "/")
    assert anonymous.get_by_role("link", name="A heated analysis").is_visible()
    anonymous.goto(live_server.url + thread.get_absolute_url())
    assert placeholder(anonymous, opening) == HIDDEN_PLACEHOLDER
    assert "crosses the line" not in anonymous.locator("main").inner_text()
    assert body(anonymous, first) == "A calm answer."

    # The author still reads their post, with the reason.
    owner, owner_errors = second_reader(new_context, live_server, "author")
    owner.goto(live_server.url + thread.get_absolute_url())
    assert body(owner, opening) == "An opening that crosses the line."
    assert "Hidden: Insults another member" in meta(owner, opening)
    assert console_errors == reader_errors == anonymous_errors == owner_errors == []


def test_hiding_the_thread_takes_it_away_from_everyone_but_its_author_and_moderators(
    live_server, page, new_context, category, moderator, console_errors
):
    author = UserFactory(username="author")
    thread = make_thread(
        author=author, category=category, title="Doxxing thread", body="Someone's address."
    )
    make_reply(thread=thread, author=UserFactory(username="other"), body="Take this down.")
    make_thread(author=author, category=category, title="An innocent thread")

    log_in(page, live_server, "mod")
    page.goto(live_server.url + thread.get_absolute_url())
    page.get_by_role("link", name="Hide thread…").click()
    assert page.get_by_label("Action").input_value() == "hide_thread"
    page.get_by_label("Reason").fill("Personal information")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(f"**{thread.get_absolute_url()}")
    assert page.get_by_text("Hide the whole thread: done.").is_visible()
    assert Thread.objects.get(pk=thread.pk).state == PostState.HIDDEN
    assert page.get_by_role("button", name="Restore thread").is_visible()

    # Another member: not listed, and not there.
    reader, reader_errors = second_reader(new_context, live_server, "other")
    assert reader.get_by_role("link", name="An innocent thread").is_visible()
    assert reader.get_by_role("link", name="Doxxing thread").count() == 0
    response = reader.goto(live_server.url + thread.get_absolute_url())
    assert response.status == 404
    assert "Someone's address." not in reader.content()
    assert unexpected_console_errors(reader_errors, 404) == []

    # Its author: listed as hidden, readable, with a notice.
    owner, owner_errors = second_reader(new_context, live_server, "author")
    row = owner.locator("li.thread-row", has=owner.get_by_role("link", name="Doxxing thread"))
    assert "Hidden" in row.inner_text()
    row.get_by_role("link", name="Doxxing thread").click()
    owner.wait_for_url(f"**{thread.get_absolute_url()}")
    assert owner.locator("p.thread-state").inner_text() == (
        "This thread is hidden: only its author and moderators can see it."
    )
    assert body(owner, thread.opening_post) == "Someone's address."
    assert console_errors == owner_errors == []


# --- a removed post -------------------------------------------------------------------


def test_author_of_a_removed_post_is_offered_an_appeal_until_they_delete_it(
    live_server, page, new_context, category, moderator, console_errors
):
    writer = UserFactory(username="writer")
    thread = make_thread(author=UserFactory(username="host"), category=category, title="Debate")
    removed = make_reply(thread=thread, author=writer, body="A remark over the line.")
    kept = make_reply(thread=thread, author=writer, body="A fair remark.")
    perform("remove", actor=moderator, target=removed, reason="Personal attack")

    log_in(page, live_server, "writer")
    page.goto(live_server.url + thread.get_absolute_url())
    assert "Removed: Personal attack" in meta(page, removed)
    assert body(page, removed) == "A remark over the line."
    assert action_links(page, removed) == ["Appeal"]
    assert post_section(page, removed).locator(".post-body[data-reply-url]").count() == 0
    # Their other post carries on as before.
    assert action_links(page, kept) == ["Reply", "Quote", "Edit"]

    # Others see the placeholder.
    reader, reader_errors = second_reader(new_context, live_server, "host")
    reader.goto(live_server.url + thread.get_absolute_url())
    assert placeholder(reader, removed) == "This post was removed by a moderator."
    assert "over the line" not in reader.locator("main").inner_text()

    # The appeal form is one click away.
    post_section(page, removed).get_by_role("link", name="Appeal").click()
    expect(page.get_by_role("heading", name="Appeal the removal of your post")).to_be_visible()
    expect(page.get_by_role("button", name="Send appeal")).to_be_visible()

    # Having deleted it instead, the author is offered no appeal.
    post_delete(actor=writer, post=removed)
    page.goto(live_server.url + thread.get_absolute_url())
    assert action_links(page, removed) == []
    assert page.get_by_role("link", name="Appeal", exact=True).count() == 0
    assert placeholder(page, removed) == "This post was deleted."
    response = page.goto(f"{live_server.url}/p/{removed.pk}/appeal/")
    assert response.status == 403
    assert page.get_by_text("A deleted post cannot be appealed.").is_visible()
    assert unexpected_console_errors(console_errors, 403) == []
    assert reader_errors == []


# --- moderators -----------------------------------------------------------------------


def test_category_moderator_has_tools_and_hidden_posts_only_in_their_category(
    live_server, page, moderator, console_errors
):
    games = CategoryFactory(slug="games", name="Games")
    books = CategoryFactory(slug="books", name="Books")
    scoped = ModeratorFactory(username="gamemod")
    CategoryModerator.objects.create(moderator=scoped, category=games)
    member = UserFactory(username="player")
    games_thread = make_thread(author=member, category=games, title="Best board game")
    games_hidden = make_reply(thread=games_thread, author=member, body="Games spam link.")
    make_reply(thread=games_thread, author=member, body="Chess, clearly.")
    books_thread = make_thread(author=member, category=books, title="Best novel")
    books_hidden = make_reply(thread=books_thread, author=member, body="Books spam link.")
    make_reply(thread=books_thread, author=member, body="Middlemarch.")
    for post in (games_hidden, books_hidden):
        perform("hide", actor=moderator, target=post, reason="Looks like spam")

    log_in(page, live_server, "gamemod")

    # Their category: tools on every post, and the hidden post in full.
    page.goto(live_server.url + games_thread.get_absolute_url())
    assert page.locator("form.mod-tools").count() == 3
    assert body(page, games_hidden) == "Games spam link."
    assert "Hidden: Looks like spam" in meta(page, games_hidden)
    assert page.get_by_role("button", name="Lock thread").is_visible()
    # And they act there: restoring the hidden post.
    page.get_by_role("form", name=f"Moderate post {games_hidden.pk}").get_by_role(
        "button", name="Restore"
    ).click()
    expect(page.get_by_text("Restore: done.")).to_be_visible()
    assert Post.objects.get(pk=games_hidden.pk).state == PostState.VISIBLE

    # Another category: a reader like any other.
    page.goto(live_server.url + books_thread.get_absolute_url())
    assert page.locator("form.mod-tools").count() == 0
    assert page.get_by_role("button", name="Lock thread").count() == 0
    assert page.get_by_role("link", name="Hide thread…").count() == 0
    assert placeholder(page, books_hidden) == HIDDEN_PLACEHOLDER
    assert "Books spam link." not in page.locator("main").inner_text()
    assert "Middlemarch." in page.locator("main").inner_text()
    assert console_errors == []


def test_moderator_under_a_sanction_is_shown_no_tools_and_no_admin_link(
    live_server, page, category, console_errors
):
    admin = UserFactory(username="root", role=User.Role.ADMIN, is_staff=True, is_superuser=True)
    ModeratorFactory(username="mod")
    member = UserFactory(username="member")
    thread = make_thread(author=member, category=category, title="Moderated thread")
    hidden = make_reply(thread=thread, author=member, body="Under review.")
    make_reply(thread=thread, author=member, body="In the open.")
    perform("hide", actor=admin, target=hidden, reason="Check this")

    # Before the sanction: the moderator has their tools and the Admin link.
    log_in(page, live_server, "mod")
    assert header(page).get_by_role("link", name="Admin").is_visible()
    page.goto(live_server.url + thread.get_absolute_url())
    assert page.locator("form.mod-tools").count() == 3

    sanction_impose(
        actor=admin,
        user=User.objects.get(username="mod"),
        kind="silence",
        reason="Abused the moderation tools",
    )

    page.reload()
    assert "Abused the moderation tools" in page.locator("#standing-notice").inner_text()
    assert header(page).get_by_role("link", name="Admin").count() == 0
    assert header(page).get_by_role("link", name="New thread").count() == 0
    assert page.locator("form.mod-tools").count() == 0
    assert page.get_by_role("button", name="Lock thread").count() == 0
    assert page.get_by_role("link", name="Hide thread…").count() == 0
    assert placeholder(page, hidden) == HIDDEN_PLACEHOLDER
    assert "Under review." not in page.locator("main").inner_text()
    assert "In the open." in page.locator("main").inner_text()
    assert page.locator("p.reply-refused").inner_text() == SILENCED

    response = page.goto(f"{live_server.url}{thread.get_absolute_url()}moderate/?action=lock")
    assert response.status == 403
    assert page.get_by_text(
        "You are under a sanction and cannot moderate until it ends."
    ).is_visible()
    assert unexpected_console_errors(console_errors, 403) == []
