"""Bookmarks on the web: forms that work without JavaScript (and answer JSON to
bookmarks.js), a thread page whose shared HTML never says what this reader saved, and the
bookmarks page, where nothing of what a member may no longer read shows."""

import pytest

from forum.threads import bookmarks
from forum.threads.models import Bookmark, PostState
from forum.threads.services import post_set_state, thread_set_state
from tests.discussions import make_discussion
from tests.factories import UserFactory, make_reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def reply(other_member, category):
    return make_discussion(author=other_member, category=category)


@pytest.fixture
def thread(reply):
    return reply.thread


def test_bookmarking_without_javascript_comes_back_to_the_post(client, member, reply):
    client.force_login(member)

    response = client.post(f"/p/{reply.pk}/bookmark/", {"note": "check dates", "do": "save"})

    assert response.status_code == 302
    assert response["Location"].endswith(f"#post-{reply.pk}")
    assert Bookmark.objects.get(user=member, post=reply).note == "check dates"
    page = client.get("/bookmarks/").text
    assert "Troop movements" in page
    assert "The March imagery says so." in page and "**March**" not in page
    assert "check dates" in page


def test_the_forms_answer_json_for_the_script(client, member, thread):
    client.force_login(member)
    url = f"/t/{thread.pk}/{thread.slug}/bookmark/"

    saved = client.post(url, {"note": " whole thread "}, headers={"Accept": "application/json"})
    removed = client.post(url, {"do": "remove"}, headers={"Accept": "application/json"})

    assert saved.json() == {"bookmarked": True, "note": "whole thread"}
    assert removed.json() == {"bookmarked": False, "note": ""}
    assert not Bookmark.objects.exists()


def test_the_thread_page_shares_its_posts_and_the_script_asks_for_the_readers_marks(
    client, member, thread, reply
):
    # Words no random CSRF token on the page could spell.
    note = "Kept for the grain report"
    bookmarks.bookmark_save(user=member, post=reply, note=note)
    client.force_login(member)

    page = client.get(thread.get_absolute_url()).text
    marks = client.get(f"/t/{thread.pk}/{thread.slug}/bookmarks/")

    # Every reader's page has the same forms, empty: the state is asked for after load.
    assert f'data-bookmark="post:{reply.pk}"' in page
    assert note not in page and "is-bookmarked" not in page
    assert f'data-bookmarks-state="/t/{thread.pk}/{thread.slug}/bookmarks/"' in page
    assert marks.json() == {"thread": None, "posts": {str(reply.pk): note}}
    assert "private" in marks["Cache-Control"]


def test_posts_carry_a_link_and_the_page_one_form_for_the_script_to_copy(
    client, member, thread, reply
):
    for n in range(5):
        make_reply(thread=thread, body=f"One more reply, number {n}.")
    client.force_login(member)

    page = client.get(thread.get_absolute_url()).text

    assert page.count('class="bookmark-link"') == 7  # the opening post and six replies
    assert f'href="/p/{reply.pk}/bookmark/">Bookmark</a>' in page
    # The thread's own form, and the template of a post's.
    assert page.count('class="bookmark-form') == 2
    assert page.count('<template id="bookmark-post-form">') == 1


def test_a_posts_bookmark_page_saves_it_without_javascript(client, member, reply):
    client.force_login(member)

    blank = client.get(f"/p/{reply.pk}/bookmark/")
    client.post(f"/p/{reply.pk}/bookmark/", {"note": "check dates", "do": "save"})
    saved = client.get(f"/p/{reply.pk}/bookmark/")

    assert blank.status_code == 200 and saved.status_code == 200
    assert "The March imagery says so." in blank.text and "**March**" not in blank.text
    assert 'value="remove"' not in blank.text
    assert 'value="check dates"' in saved.text and 'value="remove"' in saved.text
    assert "private" in saved["Cache-Control"]


def test_a_posts_bookmark_page_is_for_members_who_may_read_the_post(client, member, reply):
    hidden = make_reply(thread=reply.thread, body="Hidden")
    post_set_state(post=hidden, state=PostState.HIDDEN)

    assert client.get(f"/p/{reply.pk}/bookmark/")["Location"].startswith("/accounts/login/")
    client.force_login(member)
    assert client.get(f"/p/{hidden.pk}/bookmark/").status_code == 404
    assert client.get("/p/999999/bookmark/").status_code == 404


def test_anonymous_readers_get_no_bookmark_forms_and_are_sent_to_sign_in(client, thread, reply):
    page = client.get(thread.get_absolute_url()).text

    assert "bookmark-form" not in page and "bookmark-link" not in page
    assert client.post(f"/p/{reply.pk}/bookmark/", {"note": ""})["Location"].startswith(
        "/accounts/login/"
    )
    assert client.get("/bookmarks/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/t/{thread.pk}/{thread.slug}/bookmarks/")["Location"].startswith(
        "/accounts/login/"
    )


def test_the_page_lists_newest_first_and_pages(client, member, thread):
    replies = [make_reply(thread=thread, body=f"Reply number {n}") for n in range(22)]
    for post in replies:
        bookmarks.bookmark_save(user=member, post=post)
    client.force_login(member)

    first = client.get("/bookmarks/").text
    second = client.get("/bookmarks/?page=2").text

    assert first.index("Reply number 21") < first.index("Reply number 2<")
    assert "Reply number 1<" not in first and "Reply number 1<" in second
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_the_note_is_changed_and_the_bookmark_removed_from_the_list(client, member, reply):
    bookmark, _ = bookmarks.bookmark_save(user=member, post=reply, note="first")
    client.force_login(member)

    changed = client.post(
        f"/bookmarks/{bookmark.pk}/", {"note": "second", "do": "save", "next": "/bookmarks/"}
    )
    assert changed["Location"] == "/bookmarks/"
    assert "second" in client.get("/bookmarks/").text
    client.post(f"/bookmarks/{bookmark.pk}/", {"do": "remove", "next": "https://evil.example/"})
    assert not Bookmark.objects.exists()


def test_another_members_bookmark_cannot_be_changed(client, member, reply):
    theirs, _ = bookmarks.bookmark_save(user=UserFactory(username="third"), post=reply, note="x")
    client.force_login(member)

    assert client.post(f"/bookmarks/{theirs.pk}/", {"do": "remove"}).status_code == 404
    assert Bookmark.objects.filter(pk=theirs.pk).exists()


def test_what_the_member_may_no_longer_read_shows_nothing_of_it(client, member, thread, reply):
    bookmark, _ = bookmarks.bookmark_save(user=member, post=reply, note="my note")
    bookmarks.bookmark_save(user=member, thread=thread)
    post_set_state(post=reply, state=PostState.HIDDEN)
    thread_set_state(thread=thread, state=PostState.REMOVED)
    client.force_login(member)

    page = client.get("/bookmarks/").text

    assert page.count("is no longer available") == 2
    assert "my note" in page
    for secret in ("March", "Troop", thread.slug):
        assert secret not in page
    assert client.post(f"/bookmarks/{bookmark.pk}/", {"do": "remove"}).status_code == 302
    assert Bookmark.objects.count() == 1


def test_a_bad_note_is_a_clear_400(client, member, reply):
    client.force_login(member)

    response = client.post(f"/p/{reply.pk}/bookmark/", {"note": "x" * 301})

    assert response.status_code == 400
    assert "at most 300 characters" in response.text
    hidden = make_reply(thread=reply.thread, body="Hidden")
    post_set_state(post=hidden, state=PostState.HIDDEN)
    assert client.post(f"/p/{hidden.pk}/bookmark/", {"note": ""}).status_code == 404
    assert client.post("/p/999999/bookmark/", {"note": ""}).status_code == 404


def test_the_header_links_members_to_their_bookmarks(client, member):
    client.force_login(member)

    assert 'href="/bookmarks/"' in client.get("/").text
