"""The minimal pages: the thread list at / and a thread with its replies."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from forum.threads import services
from forum.threads.demo import demo_load
from forum.threads.models import Post, PostState
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_home_lists_the_demo_thread_linking_to_its_page(client):
    thread = demo_load().thread

    response = client.get("/")

    assert response.status_code == 200
    assert thread.title.replace("'", "&#x27;") in response.text
    assert thread.get_absolute_url() in response.text


def test_thread_page_shows_the_current_revision_and_both_replies(client):
    thread = demo_load().thread
    opening = Post.objects.get(pk=thread.opening_post_id)
    replies = Post.objects.filter(thread=thread, position__gt=1).order_by("path")

    response = client.get(thread.get_absolute_url())

    assert response.status_code == 200
    body = response.text
    assert opening.body_html in body
    assert "Update from Korean Central News Agency" in body
    for reply in replies:
        assert reply.body_html in body


def test_wrong_slug_redirects_to_the_canonical_url(client, member):
    thread = make_thread(author=member, title="Canonical title")

    response = client.get(f"/t/{thread.pk}/wrong/")

    assert response.status_code == 301
    assert response["Location"] == thread.get_absolute_url()


def test_pending_and_deleted_threads_are_not_found_for_readers(client, newcomer, member):
    pending = make_thread(author=newcomer, title="Pending thread")
    deleted = make_thread(author=member, title="Deleted thread")
    services.post_delete(actor=member, post=deleted.opening_post)

    assert client.get(pending.get_absolute_url()).status_code == 404
    assert client.get(deleted.get_absolute_url()).status_code == 404
    listing = client.get("/").text
    assert "Pending thread" not in listing and "Deleted thread" not in listing


def test_author_sees_own_pending_post_with_reason(client, newcomer, member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=newcomer, body="My first words")
    client.force_login(newcomer)

    body = client.get(thread.get_absolute_url()).text

    assert reply.state == PostState.PENDING
    assert "My first words" in body
    assert "Pending review" in body and "new members" in body


def test_hidden_reply_shows_a_placeholder_not_its_text(client, member, other_member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=other_member, body="Secret spam text")
    services.post_set_state(post=reply, state=PostState.HIDDEN, reason="reported")

    body = client.get(thread.get_absolute_url()).text

    assert "Secret spam text" not in body
    assert "hidden while moderators review it" in body


def test_post_permalink_redirects_to_the_anchor(client, member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=member)

    response = client.get(f"/p/{reply.pk}/")

    assert response["Location"] == f"{thread.get_absolute_url()}#post-{reply.pk}"


def test_mention_links_to_a_profile_page(client, member):
    thread = make_thread(author=member, body=f"Thanks @{member.username}")

    assert f'href="/u/{member.username}/"' in thread.opening_post.body_html
    assert client.get(f"/u/{member.username}/").status_code == 200
    assert client.get("/u/nobody-here/").status_code == 404


@pytest.mark.parametrize("replies", [10, 200])
def test_thread_page_costs_the_same_queries_whatever_its_size(client, member, replies):
    thread = make_thread(author=member)
    for _ in range(replies):
        make_reply(thread=thread, author=member)

    with CaptureQueriesContext(connection) as queries:
        assert client.get(thread.get_absolute_url()).status_code == 200

    # thread with category and author, then one page of posts with their authors
    assert len(queries) == 2
