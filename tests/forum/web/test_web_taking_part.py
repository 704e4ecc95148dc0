"""Taking part in the web UI beyond the basics: quoting, appeals, one's own held posts,
drafts that survive a lost session, pages that keep a branch together, moderators'
links to the review queue, and a thread page whose cost does not grow with the thread."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from forum.notifications.models import Notification
from forum.threads.models import Post, PostState, Thread
from forum.threads.selectors import POSTS_PAGE_SIZE, PostView
from forum.threads.services import child_path
from forum.web.drafts import draft_owner_value
from forum.web.quoting import quote_block, without_nested_quotes
from forum.web.reading import page_keeping_branches
from moderation import actions
from moderation.models import Appeal, ReviewItem
from moderation.services import review_item_open
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


# --- quoting ---------------------------------------------------------------------------


def test_quote_link_starts_the_reply_with_the_whole_post_quoted(client, member, other_member):
    thread = make_thread(author=other_member, body="Opening words.")
    reply = make_reply(
        thread=thread,
        author=other_member,
        body=f'[quote="{other_member.username}, post:{thread.opening_post_id}"]\nOpening '
        "words.\n[/quote]\n\nMy *own* point.\n\nAnd a second one.",
    )
    client.force_login(member)

    page = client.get(thread.get_absolute_url())
    quote_href = f"{thread.get_absolute_url()}?reply_to={reply.pk}&amp;quote=1#reply-form"
    assert f'href="{quote_href}"' in page.text

    form = client.get(f"{thread.get_absolute_url()}?reply_to={reply.pk}&quote=1")

    # The post's own words, not the quote it carried, attributed so the renderer links it.
    assert form.context["reply_form"].initial["body"] == (
        f'[quote="other, post:{reply.pk}"]\nMy *own* point.\n\nAnd a second one.\n[/quote]\n\n'
    )
    response = client.post(
        f"{thread.get_absolute_url()}?reply_to={reply.pk}",
        {"body": form.context["reply_form"].initial["body"] + "I agree."},
    )
    assert response.status_code == 302
    answer = Post.objects.get(body_source__endswith="I agree.")
    assert answer.parent_id == reply.pk and answer.quoted_post_ids == [reply.pk]
    assert 'class="quote-attribution"' in answer.body_html


def test_a_post_that_is_not_visible_is_not_quoted(client, moderator, member, other_member):
    thread = make_thread(author=other_member)
    hidden = make_reply(thread=thread, author=other_member, body="Moderators only")
    actions.perform("hide", actor=moderator, target=hidden, reason="check")
    client.force_login(moderator)

    form = client.get(f"{thread.get_absolute_url()}?reply_to={hidden.pk}&quote=1")

    assert form.status_code == 200
    assert "Moderators only" not in str(form.context["reply_form"]["body"])


def test_the_thread_page_tells_the_script_what_it_may_quote_and_report(
    client, member, other_member
):
    thread = make_thread(author=other_member, body="One.\n\nTwo.")
    own = make_reply(thread=thread, author=member, body="Mine.")
    client.force_login(member)

    html = client.get(thread.get_absolute_url()).text

    opening = re.search(rf'<div class="post-body" data-post="{thread.opening_post_id}"[^>]*>', html)
    assert opening is not None
    assert (
        f'data-quote-open="[quote=&quot;other, post:{thread.opening_post_id}&quot;]"'
        in (opening[0])
    )
    assert f'data-report-url="/p/{thread.opening_post_id}/report/"' in opening[0]
    mine = re.search(rf'<div class="post-body" data-post="{own.pk}"[^>]*>', html)[0]
    assert "data-reply-url" in mine and "data-report-url" not in mine
    client.logout()
    visitor = client.get(thread.get_absolute_url()).text
    assert "data-reply-url" not in visitor and "data-report-url" not in visitor


def test_quote_markup_strips_nested_quotes_and_falls_back_for_unusual_names():
    source = '[quote="a, post:1"]\n[quote="b, post:2"]\ndeep\n[/quote]\nmid\n[/quote]\n\nOwn.'
    assert without_nested_quotes(source) == "Own."
    assert quote_block(username="zoë", post_id=3, text="Line one\n\nLine two") == (
        "> Line one\n>\n> Line two\n\n"
    )


# --- one's own held posts, appeals ------------------------------------------------------


def test_own_hidden_post_shows_as_hidden_with_the_reason(client, moderator, member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=member, body="Borderline remark")
    actions.perform("hide", actor=moderator, target=reply, reason="Personal attack")
    client.force_login(member)

    meta = re.search(
        rf'id="post-{reply.pk}".*?<p class="post-meta">(.*?)</p>',
        client.get(thread.get_absolute_url()).text,
        re.S,
    )[1]

    assert "Hidden" in meta and "Personal attack" in meta
    client.force_login(other_member)
    other_view = client.get(thread.get_absolute_url()).text
    assert "Borderline remark" not in other_view and "Personal attack" not in other_view


def test_the_author_of_a_removed_post_appeals_once(client, moderator, member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=member, body="My removed point")
    actions.perform("remove", actor=moderator, target=reply, reason="Off-topic")
    client.force_login(member)

    page = client.get(thread.get_absolute_url()).text
    actions_html = re.search(
        rf'id="post-{reply.pk}".*?<ul class="post-actions"(.*?)</ul>', page, re.S
    )[1]
    assert f'href="/p/{reply.pk}/appeal/">Appeal</a>' in actions_html
    # Nothing else can be done with a removed post: no reply, quote or edit offered.
    assert ">Reply<" not in actions_html and ">Edit<" not in actions_html
    empty = client.post(f"/p/{reply.pk}/appeal/", {"message": ""})
    assert empty.status_code == 400 and "message" in empty.context["form"].errors

    sent = client.post(f"/p/{reply.pk}/appeal/", {"message": "It answers the question."})

    assert sent.status_code == 302
    appeal = Appeal.objects.get(post=reply)
    assert appeal.message == "It answers the question."
    assert appeal.review_item.reasons == [ReviewItem.Reason.APPEAL]
    status = client.get(f"/p/{reply.pk}/appeal/")
    assert status.context["form"] is None and "waiting for a moderator" in status.text
    again = client.post(f"/p/{reply.pk}/appeal/", {"message": "Please!"})
    assert again.status_code == 200 and Appeal.objects.count() == 1

    client.force_login(other_member)
    assert client.get(f"/p/{reply.pk}/appeal/").status_code == 404


def test_only_a_removed_post_can_be_appealed(client, member, other_member):
    thread = make_thread(author=other_member)
    reply = make_reply(thread=thread, author=member)
    client.force_login(member)

    response = client.post(f"/p/{reply.pk}/appeal/", {"message": "Why?"})

    assert response.status_code == 403 and "Only a removed post" in response.text
    assert not Appeal.objects.exists()


# --- a lost session loses nothing -------------------------------------------------------
# A form names the member its page was made for (a signed field); posted after the
# session ended, it is kept for that member only, so these forms carry it as the pages
# made for the member did.


def test_a_reply_sent_after_the_session_ended_is_waiting_after_logging_in_again(member):
    thread = make_thread(author=member)
    reply_to = make_reply(thread=thread, author=member)
    browser = Client()  # no session: it expired while the member was writing
    url = f"{thread.get_absolute_url()}?reply_to={reply_to.pk}"

    sent = browser.post(
        url, {"body": "A long considered reply", "draft_owner": draft_owner_value(member)}
    )

    assert sent.status_code == 302 and sent["Location"].startswith("/accounts/login/")
    assert not Post.objects.filter(body_source="A long considered reply").exists()
    login_page = browser.get(sent["Location"])
    assert "what you wrote will be waiting" in login_page.text
    logged_in = browser.post(sent["Location"], {"username": member.username, "password": PASSWORD})
    assert logged_in.status_code == 302 and logged_in["Location"] == url

    form = browser.get(url)

    assert "A long considered reply</textarea>" in form.text
    # Taken once: the next visit starts empty.
    assert "A long considered reply" not in browser.get(url).text


def test_a_draft_goes_back_only_to_the_member_who_wrote_it(client, member, other_member):
    thread = make_thread(author=member)
    client.force_login(member)
    owner = draft_owner_value(member)
    assert f'name="draft_owner" value="{owner}"' in client.get(thread.get_absolute_url()).text
    shared_computer = Client()  # the member's session ended; someone else logs in here
    sent = shared_computer.post(
        thread.get_absolute_url(), {"body": "Private musings", "draft_owner": owner}
    )
    shared_computer.post(
        sent["Location"], {"username": other_member.username, "password": PASSWORD}
    )

    page = shared_computer.get(thread.get_absolute_url())

    assert page.context["user"] == other_member
    assert "Private musings" not in page.text
    assert "web:draft" not in shared_computer.session  # dropped, not kept for later


def test_a_new_thread_sent_without_a_session_is_kept_with_its_title(member, category):
    browser = Client()
    sent = browser.post(
        "/new/",
        {
            "category": category.slug,
            "title": "Kept title",
            "body": "Kept body",
            "draft_owner": draft_owner_value(member),
        },
    )
    browser.post(sent["Location"], {"username": member.username, "password": PASSWORD})

    form = browser.get("/new/")

    assert form.context["form"].initial == {
        "category": category.slug,
        "title": "Kept title",
        "body": "Kept body",
    }
    assert not Thread.objects.filter(title="Kept title").exists()


def test_a_form_with_a_stale_csrf_token_is_refused_but_its_text_is_kept(member):
    thread = make_thread(author=member)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    browser.get(thread.get_absolute_url())  # sets the CSRF cookie
    # A token from before the member logged in again in another tab.
    stale = {"csrfmiddlewaretoken": "x" * 64, "body": "Carefully written words"}

    refused = browser.post(thread.get_absolute_url(), stale)

    assert refused.status_code == 403
    assert "What you wrote is kept" in refused.text
    assert not Post.objects.filter(body_source="Carefully written words").exists()
    again = browser.get(thread.get_absolute_url())
    assert "Carefully written words</textarea>" in again.text
    # Passwords are never kept.
    browser.post("/accounts/settings/sessions/", {"csrfmiddlewaretoken": "x", "password": "pw"})
    assert "pw" not in str(browser.session.get("web:draft"))


def test_settings_sent_without_a_session_are_kept_too(member):
    browser = Client()
    sent = browser.post(
        "/accounts/settings/",
        {
            "display_name": "New Name",
            "bio": "A long bio",
            "email_frequency": "weekly",
            "draft_owner": draft_owner_value(member),
        },
    )
    browser.post(sent["Location"], {"username": member.username, "password": PASSWORD})

    form = browser.get("/accounts/settings/").context["form"]

    assert (form.initial["display_name"], form.initial["bio"]) == ("New Name", "A long bio")
    assert form.initial["email_frequency"] == "weekly"
    member.refresh_from_db()
    assert member.display_name == ""  # kept for the member to send, not saved for them


# --- pages keep a branch together -------------------------------------------------------


def _views(depths: list[int]) -> list[PostView]:
    return [
        PostView(post=Post(pk=index + 1, depth=depth), can_read=True, placeholder="")
        for index, depth in enumerate(depths)
    ]


def test_a_page_ends_before_a_branch_that_would_run_over_it():
    # opening, then top-level replies at 1..8, each with replies; limit 10.
    rows = _views([0, 1, 2, 1, 2, 2, 1, 2, 2, 2, 2])

    page, more = page_keeping_branches(rows, limit=10, top_depth=1)

    assert more and [item.post.depth for item in page] == [0, 1, 2, 1, 2, 2]
    # Pages that end between branches, or a branch that began in the first half, stay.
    assert len(page_keeping_branches(_views([0, 1, 2, 1, 2, 1]), limit=5, top_depth=1)[0]) == 5
    assert len(page_keeping_branches(_views([0, 1, 2, 2, 2, 2]), limit=5, top_depth=1)[0]) == 5
    assert page_keeping_branches(rows[:5], limit=10, top_depth=1) == (rows[:5], False)


def test_the_next_page_starts_with_the_branch_the_first_one_left_out(client, member):
    thread = make_thread(author=member)
    branches = []
    # 11 top-level replies with 4 replies each: 55 posts plus the opening post, so the
    # first page (50) would cut the tenth branch.
    for _ in range(11):
        top = make_reply(thread=thread, author=member)
        branches.append(
            [top] + [make_reply(thread=thread, author=member, parent=top) for _ in "1234"]
        )
    client.force_login(member)

    first = client.get(thread.get_absolute_url())

    shown = [item.post.pk for item in first.context["posts"]]
    assert shown[-1] == branches[8][-1].pk  # nine whole branches, nothing of the tenth
    assert len(shown) == 1 + 9 * 5
    second = client.get(f"{thread.get_absolute_url()}?after={first.context['next_after']}")
    assert [item.post.pk for item in second.context["posts"]][:5] == [p.pk for p in branches[9]]
    assert "Back to the start" in second.text and "Continues a branch" not in second.text


@pytest.mark.parametrize("after", ["\x00", "-5", "zz", "0000001\x00", "0000001" * 65, "ZZZZZZZ"])
def test_a_place_in_the_thread_that_is_no_posts_reads_from_the_start(client, member, after):
    """?after= names a post's place in reading order (its path: base-36 segments of
    seven); anything else reads the page from its start, on the thread's page and a
    branch's, and is not carried into the page's links."""
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=member, body="The first reply.")
    client.force_login(member)

    for url in (thread.get_absolute_url(), f"/p/{thread.opening_post_id}/thread/"):
        page = client.get(url, {"after": after})
        assert page.status_code == 200, url
        assert f'id="post-{reply.pk}"' in page.text, url
        assert not re.search(r"[?&;]after=", page.text), url


def test_a_branch_longer_than_a_page_says_where_it_continues(client, member):
    thread = make_thread(author=member)
    top = make_reply(thread=thread, author=member)
    for _ in range(POSTS_PAGE_SIZE + 2):
        make_reply(thread=thread, author=member, parent=top)
    client.force_login(member)
    first = client.get(thread.get_absolute_url())

    second = client.get(f"{thread.get_absolute_url()}?after={first.context['next_after']}")

    assert "Continues a branch from the previous page" in second.text
    assert f'href="/p/{top.pk}/">the post it answers</a>' in second.text


def test_a_permalink_lands_on_a_page_that_shows_the_post(client, member):
    thread = make_thread(author=member)
    posts = []
    for _ in range(11):
        top = make_reply(thread=thread, author=member)
        posts += [top] + [make_reply(thread=thread, author=member, parent=top) for _ in "1234"]
    client.force_login(member)

    for post in posts:
        location = client.get(f"/p/{post.pk}/")["Location"]
        page = client.get(location)
        assert post.pk in [item.post.pk for item in page.context["posts"]], location


# --- moderators' quick tools ------------------------------------------------------------


def test_moderators_tools_link_a_held_post_to_its_review_item(client, moderator, newcomer, member):
    thread = make_thread(author=member)
    held = make_reply(thread=thread, author=newcomer, body="Held for review")
    make_reply(thread=thread, author=member)
    # What the moderation check does after commit (which a test transaction never
    # reaches): pre-moderation holds the post in the review queue.
    item = review_item_open(post=held, reason=ReviewItem.Reason.PREMODERATION)
    client.force_login(moderator)

    html = client.get(thread.get_absolute_url()).text

    assert f'href="/admin/moderation/reviewitem/{item.pk}/change/">Review item in admin' in html
    assert f'href="/admin/accounts/user/{member.pk}/change/">The author in admin' in html
    assert 'name="action" value="lock"' in html
    page = client.get(f"/p/{held.pk}/moderate/").text
    assert f'href="/admin/moderation/reviewitem/{item.pk}/change/"' in page


def test_a_moderator_approves_a_pending_thread_from_its_page(
    client, moderator, newcomer, member, category
):
    thread = make_thread(author=newcomer, category=category, title="A newcomer asks")
    assert thread.state == PostState.PENDING
    client.force_login(member)
    assert client.get(thread.get_absolute_url()).status_code == 404
    client.force_login(moderator)
    page = client.get(thread.get_absolute_url()).text
    assert f'action="/p/{thread.opening_post_id}/moderate/"' in page
    assert 'name="action" value="approve"' in page

    approved = client.post(
        f"/p/{thread.opening_post_id}/moderate/", {"action": "approve", "reason": ""}
    )

    assert approved.status_code == 302
    thread.refresh_from_db()
    assert thread.state == PostState.VISIBLE
    client.force_login(member)
    assert "A newcomer asks" in client.get("/").text


# --- the thread page's cost -------------------------------------------------------------


def _grow(thread, author, total: int) -> None:
    """`total` replies, a third of them three deep, written in bulk: a thousand replies
    through the services would spend the test's time on moderation checks."""
    opening = Post.objects.get(pk=thread.opening_post_id)
    position = Post.objects.filter(thread=thread).count()

    def replies_to(parents):
        nonlocal position
        rows = []
        for parent in parents:
            position += 1
            rows.append(
                Post(
                    thread=thread,
                    author=author,
                    parent=parent,
                    position=position,
                    published_position=position,
                    depth=parent.depth + 1,
                    path=child_path(parent.path, position),
                    body_source=f"Reply {position}",
                    body_html=f"<p>Reply {position}</p>",
                )
            )
        return Post.objects.bulk_create(rows)

    deeper = total // 3
    tops = replies_to([opening] * (total - 2 * deeper))
    replies_to(replies_to(tops[:deeper]))


@pytest.mark.parametrize("viewer", ["visitor", "member", "moderator"])
def test_thread_page_costs_the_same_queries_for_ten_and_a_thousand_comments(
    client, member, moderator, viewer
):
    counts = {}
    for size in (10, 1000):
        thread = make_thread(author=member, title=f"Thread of {size}")
        _grow(thread, member, size)
        assert Post.objects.filter(thread=thread).count() == size + 1
        if viewer != "visitor":
            client.force_login(member if viewer == "member" else moderator)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(thread.get_absolute_url())
        assert response.status_code == 200
        shown = len(response.context["posts"])
        assert shown == 11 if size == 10 else POSTS_PAGE_SIZE // 2 <= shown <= POSTS_PAGE_SIZE
        counts[size] = len(queries)

    assert counts[10] == counts[1000], counts


def test_pending_posts_of_others_do_not_hide_the_next_page(client, member, other_member):
    thread = make_thread(author=member)
    waiting = make_reply(thread=thread, author=other_member, body="Waiting")
    Post.objects.filter(pk=waiting.pk).update(state=PostState.PENDING)  # early in the thread
    for _ in range(POSTS_PAGE_SIZE):
        make_reply(thread=thread, author=member)
    assert Post.objects.filter(thread=thread, state=PostState.PENDING).count() == 1
    client.force_login(member)

    first = client.get(thread.get_absolute_url())

    assert len(first.context["posts"]) == POSTS_PAGE_SIZE
    assert first.context["next_after"] and "More replies" in first.text


# --- notifications ----------------------------------------------------------------------


def test_following_a_notification_reads_it_and_lands_on_the_post(
    client, member, other_member, django_capture_on_commit_callbacks
):
    thread = make_thread(author=member)
    with django_capture_on_commit_callbacks(execute=True):
        reply = make_reply(thread=thread, author=other_member, body="An answer")
    notification = Notification.objects.get(recipient=member)
    client.force_login(member)
    inbox = client.get("/notifications/")
    assert f'href="/notifications/{notification.pk}/"' in inbox.text
    assert 'class="badge"' in inbox.text

    followed = client.get(f"/notifications/{notification.pk}/")

    assert followed.status_code == 302 and followed["Location"] == f"/p/{reply.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'class="badge"' not in client.get("/notifications/").text
    client.force_login(other_member)
    assert client.get(f"/notifications/{notification.pk}/").status_code == 404
