"""Composing in the web UI: new threads, replies at any depth, edits with a preview and
the edit history, and forms that keep what was typed when something is wrong."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads.models import Post, PostState, Thread
from tests.factories import CategoryFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

OUR_SCRIPT = '<script src="/static/web/parley.js" defer></script>'
# A moderator's header also loads the script that keeps its count of open work current,
# a thread's pages the one that sends reactions in place and, for a member, the one that
# shows new replies live (both polls share the poller), and the pages with a composer
# the one that saves drafts and grows the editor.
OUR_SCRIPTS = (
    OUR_SCRIPT,
    '<script src="/static/web/poller.js" defer></script>',
    '<script src="/static/web/open-work.js" defer></script>',
    '<script src="/static/web/reactions.js" defer></script>',
    '<script src="/static/web/live.js" defer></script>',
    '<script src="/static/web/bookmarks.js" defer></script>',
    '<script src="/static/web/composer.js" defer></script>',
)


def only_our_own_script_file(html: str) -> bool:
    """The page loads our script file (and no other but ours) from our own origin and has
    no inline script."""
    ours = sum(html.count(script) for script in OUR_SCRIPTS)
    return html.count(OUR_SCRIPT) == 1 and html.count("<script") == ours


def test_new_thread_form_preselects_the_category_from_the_category_page(client, member, category):
    client.force_login(member)

    listing = client.get(f"/c/{category.slug}/")
    form = client.get(f"/new/?category={category.slug}")

    assert f'href="/new/?category={category.slug}"' in listing.text
    assert form.status_code == 200
    assert f'<option value="{category.slug}" selected>' in form.text


def test_new_thread_by_a_trusted_member_is_visible_at_once(client, member, category):
    client.force_login(member)

    response = client.post(
        "/new/", {"category": category.slug, "title": "Fresh thoughts", "body": "Some *text*."}
    )

    thread = Thread.objects.get(title="Fresh thoughts")
    assert response.status_code == 302 and response["Location"] == thread.get_absolute_url()
    assert thread.state == PostState.VISIBLE
    assert "<em>text</em>" in client.get(thread.get_absolute_url()).text


def test_new_members_thread_is_pending_and_shown_so_with_the_reason(client, newcomer, category):
    client.force_login(newcomer)

    response = client.post(
        "/new/", {"category": category.slug, "title": "Hello all", "body": "First post."}
    )
    page = client.get(response["Location"])

    thread = Thread.objects.get(title="Hello all")
    assert thread.state == PostState.PENDING
    assert "Pending review" in page.text
    assert "new members wait for a moderator" in page.text
    assert "waits for a moderator" in page.text  # the flash message


def test_new_thread_errors_sit_next_to_their_field_and_the_text_is_kept(client, member, category):
    client.force_login(member)

    response = client.post(
        "/new/", {"category": category.slug, "title": "ab", "body": "Body I typed\nwith lines"}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["title"] == ["Must be at least 3 characters (it has 2)."]
    assert 'value="ab"' in response.text
    assert "Body I typed\nwith lines</textarea>" in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Thread.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"category": "no-such-category", "title": "Title", "body": "Body"},
        {"category": "general", "title": "Bad\x00title", "body": "Body"},
        {"category": "general", "title": "Title", "body": "x" * 250_001},
        {"category": ["general", "other"], "title": ["a", "b"], "body": "Body"},
    ],
)
def test_bad_input_never_causes_a_server_error(client, member, category, data):
    client.force_login(member)

    response = client.post("/new/", data)

    assert response.status_code == 400
    assert not Thread.objects.exists()


def test_preview_renders_the_markdown_below_the_form_without_saving(client, member, category):
    client.force_login(member)

    response = client.post(
        "/new/",
        {
            "category": category.slug,
            "title": "Draft",
            "body": "# Heading\n\n<script>x</script>",
            "preview": "1",
        },
    )

    assert response.status_code == 200
    assert "Heading</h1>" in response.context["preview_html"]
    assert "<script>" not in response.context["preview_html"]
    assert "&lt;script&gt;" in response.text
    assert not Thread.objects.exists()


def test_reply_to_a_comment_three_levels_deep(client, member, other_member):
    thread = make_thread(author=other_member)
    first = make_reply(thread=thread, author=other_member, body="Level one")
    second = make_reply(thread=thread, author=other_member, parent=first, body="Level two")
    client.force_login(member)

    page = client.get(f"{thread.get_absolute_url()}?reply_to={second.pk}")

    assert page.status_code == 200
    assert f'action="{thread.get_absolute_url()}?reply_to={second.pk}#reply-form"' in page.text
    assert page.text.count('id="reply-form"') == 1

    response = client.post(
        f"{thread.get_absolute_url()}?reply_to={second.pk}", {"body": "Level three"}
    )

    reply = Post.objects.get(body_source="Level three")
    assert response["Location"] == f"{thread.get_absolute_url()}#post-{reply.pk}"
    assert reply.parent_id == second.pk and reply.depth == 3
    assert 'class="post depth-3"' in client.get(thread.get_absolute_url()).text


def test_reply_without_reply_to_answers_the_opening_post(client, member):
    thread = make_thread(author=member)
    client.force_login(member)

    client.post(thread.get_absolute_url(), {"body": "To the opening post"})

    assert Post.objects.get(body_source="To the opening post").parent_id == thread.opening_post_id


def test_reply_to_a_post_of_another_thread_or_a_hidden_one_is_refused_alike(
    client, member, other_member
):
    thread = make_thread(author=other_member)
    elsewhere = make_reply(thread=make_thread(author=other_member), author=other_member)
    hidden = make_reply(thread=thread, author=other_member)
    Post.objects.filter(pk=hidden.pk).update(state=PostState.HIDDEN)
    client.force_login(member)

    for target in (elsewhere.pk, hidden.pk, "abc", 10**30):
        url = f"{thread.get_absolute_url()}?reply_to={target}"
        response = client.post(url, {"body": "Kept reply text"})
        assert response.status_code == 400
        assert "The post you are replying to is not in this thread." in response.text
        assert "Kept reply text</textarea>" in response.text
    assert not Post.objects.filter(body_source="Kept reply text").exists()


def test_empty_reply_is_refused_next_to_the_field(client, member):
    thread = make_thread(author=member)
    client.force_login(member)

    response = client.post(thread.get_absolute_url(), {"body": "   "})

    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"]


def test_locked_thread_has_no_reply_form_and_refuses_replies(client, member, other_member):
    thread = make_thread(author=other_member)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    client.force_login(member)

    page = client.get(thread.get_absolute_url())
    response = client.post(thread.get_absolute_url(), {"body": "Let me in"})

    assert 'id="reply-form"' not in page.text and "replies are closed" in page.text
    assert response.status_code == 403
    assert "locked" in response.text


def test_visitors_are_asked_to_log_in_to_reply(client, member):
    thread = make_thread(author=member)

    page = client.get(thread.get_absolute_url())
    response = client.post(thread.get_absolute_url(), {"body": "Anonymous"})

    assert 'id="reply-form"' not in page.text and "to reply" in page.text
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_rate_limited_reply_shows_the_limit_message(client, newcomer):
    thread = make_thread(author=UserFactory())
    client.force_login(newcomer)
    for n in range(2):
        assert client.post(thread.get_absolute_url(), {"body": f"Reply {n}"}).status_code == 302

    response = client.post(thread.get_absolute_url(), {"body": "One too many"})

    assert response.status_code == 429 and response["Retry-After"] == "60"
    errors = response.context["reply_form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith("Refused by the rule “Posting rate”")
    assert "Refused by the rule" in response.text
    assert "One too many</textarea>" in response.text


def test_edit_with_preview_then_save_and_see_the_revision_diff(client, member):
    thread = make_thread(author=member, title="Edit me", body="First line\nSecond line")
    client.force_login(member)
    url = f"/p/{thread.opening_post_id}/edit/"

    form = client.get(url)
    assert "First line\nSecond line</textarea>" in form.text and 'value="Edit me"' in form.text

    preview = client.post(
        url, {"title": "Edit me", "body": "First line\n**Changed** line", "preview": "1"}
    )
    assert "<strong>Changed</strong>" in preview.text
    assert "First line\n**Changed** line</textarea>" in preview.text
    assert Post.objects.get(pk=thread.opening_post_id).revision_count == 1

    saved = client.post(
        url, {"title": "Edit me", "body": "First line\n**Changed** line", "reason": "typo"}
    )
    assert saved.status_code == 302

    history = client.get(f"/p/{thread.opening_post_id}/history/")
    assert history.status_code == 200
    # Paragraphs of the rendered post, not Markdown lines.
    assert "<p>First line\nSecond line</p></del>" in history.text
    assert "<p>First line\n<strong>Changed</strong> line</p></ins>" in history.text
    assert "**Changed**" not in history.text
    assert "reason: typo" in history.text


def test_history_escapes_the_text_and_is_as_public_as_the_post(
    client, member, other_member, moderator
):
    thread = make_thread(author=member, body="plain")
    from forum.threads import services

    services.post_edit(editor=member, post=thread.opening_post, body="<img src=x onerror=alert(1)>")
    url = f"/p/{thread.opening_post_id}/history/"
    client.force_login(other_member)

    body = client.get(url).text

    assert "<img src=x" not in body and "<p>&lt;img src=x onerror=alert(1)&gt;</p></ins>" in body
    services.post_set_state(post=thread.opening_post, state=PostState.HIDDEN)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).status_code == 200
    client.force_login(moderator)
    assert client.get(url).status_code == 200


def test_only_the_author_may_edit(client, member, other_member):
    thread = make_thread(author=member)
    client.force_login(other_member)

    response = client.get(f"/p/{thread.opening_post_id}/edit/")

    assert response.status_code == 403
    assert "Only the author can edit this post." in response.text


def test_edit_errors_keep_the_text(client, member):
    reply = make_reply(thread=make_thread(author=member), author=member, body="Original")
    client.force_login(member)

    response = client.post(f"/p/{reply.pk}/edit/", {"body": "New words", "reason": "x" * 301})

    assert response.status_code == 400
    assert "reason" in response.context["form"].errors
    assert "New words</textarea>" in response.text


def test_thread_page_for_readers_costs_no_extra_queries(client, member):
    thread = make_thread(author=member)
    make_reply(thread=thread, author=member)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(thread.get_absolute_url())

    assert len(queries) == 2
    # No form, so no per-visitor CSRF token in a reader's page.
    assert "csrfmiddlewaretoken" not in response.text


def test_category_page_lists_only_its_threads(client, member):
    other = CategoryFactory(slug="other", name="Other")
    make_thread(author=member, title="In general", category=CategoryFactory(slug="general"))
    make_thread(author=member, title="In other", category=other)

    body = client.get("/c/other/").text

    assert "In other" in body and "In general" not in body
    assert client.get("/c/missing/").status_code == 404


def test_a_thread_whose_slug_is_watch_or_moderate_still_opens(client, member):
    for title in ("Watch", "Moderate"):
        thread = make_thread(author=member, title=title)
        assert thread.get_absolute_url().endswith(f"/{title.lower()}/")
        assert client.get(thread.get_absolute_url()).status_code == 200


def test_forms_post_only_with_a_csrf_token(member, other_member):
    from django.test import Client

    thread = make_thread(author=other_member)
    own = make_reply(thread=thread, author=member)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    urls = [
        thread.get_absolute_url(),
        f"{thread.get_absolute_url()}watch/",
        f"{thread.get_absolute_url()}moderate/",
        f"/p/{own.pk}/edit/",
        f"/p/{thread.opening_post_id}/report/",
        f"/p/{own.pk}/moderate/",
    ]
    for url in urls:
        response = strict.post(url, {"body": "x", "reason": "spam"})
        assert response.status_code == 403 and "This form had expired" in response.text, url
    assert Post.objects.filter(thread=thread).count() == 2


def test_pages_carry_no_inline_script_style_or_event_handler(client, member, moderator, category):
    import re

    thread = make_thread(author=member, category=category)
    reply = make_reply(thread=thread, author=member)
    client.force_login(moderator)
    urls = [
        "/",
        f"/c/{category.slug}/",
        "/new/",
        thread.get_absolute_url(),
        f"{thread.get_absolute_url()}?reply_to={reply.pk}",
        f"/p/{reply.pk}/edit/",
        f"/p/{reply.pk}/history/",
        f"/p/{reply.pk}/report/",
        f"/p/{reply.pk}/moderate/",
        "/notifications/",
        "/accounts/settings/",
        "/accounts/password/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.text
        assert only_our_own_script_file(html), url
        assert not re.search(r"\son[a-z]+\s*=", html), url
        assert not re.search(r"\sstyle\s*=", html), url
    client.logout()
    for url in ("/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"):
        html = client.get(url).text
        assert only_our_own_script_file(html) and not re.search(r"\s(on[a-z]+|style)\s*=", html)


@pytest.mark.parametrize("viewer", ["member", "moderator"])
def test_thread_page_with_forms_costs_the_same_queries_whatever_its_size(
    client, member, moderator, viewer
):
    counts = []
    for replies in (3, 60):
        thread = make_thread(author=member)
        for _ in range(replies):
            make_reply(thread=thread, author=member)
        client.force_login(member if viewer == "member" else moderator)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(thread.get_absolute_url()).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]


def test_a_post_beyond_the_first_page_is_reached_by_its_permalink_and_after_replying(
    client, member
):
    from forum.threads.selectors import POSTS_PAGE_SIZE

    thread = make_thread(author=member)
    replies = [make_reply(thread=thread, author=member) for _ in range(POSTS_PAGE_SIZE + 5)]
    early, late = replies[2], replies[-1]
    client.force_login(member)

    assert client.get(f"/p/{early.pk}/")["Location"] == (
        f"{thread.get_absolute_url()}#post-{early.pk}"
    )
    location = client.get(f"/p/{late.pk}/")["Location"]
    assert "?after=" in location
    assert f'id="post-{late.pk}"' in client.get(location).text

    response = client.post(thread.get_absolute_url(), {"body": "The newest reply"})
    newest = Post.objects.get(body_source="The newest reply")
    assert f'id="post-{newest.pk}"' in client.get(response["Location"]).text
