"""Deleting your own post from the web UI: offered exactly when the permission authority
says so, asked about first (a page, no JavaScript needed), soft like the API's."""

import pytest

from forum.threads.models import Post, Thread
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def _delete_button(pk: int) -> str:
    return f'action="/p/{pk}/delete/"'


def test_the_button_is_offered_exactly_when_the_capabilities_say_delete(
    client, member, other_member, moderator
):
    thread = make_thread(author=other_member, title="Owls")
    mine = make_reply(thread=thread, author=member, body="Mine.")
    theirs = make_reply(thread=thread, author=other_member, body="Theirs.")

    client.force_login(member)
    page = client.get(thread.get_absolute_url()).text
    assert _delete_button(mine.pk) in page and _delete_button(theirs.pk) not in page
    client.force_login(moderator)
    page = client.get(thread.get_absolute_url()).text
    assert _delete_button(mine.pk) in page and _delete_button(theirs.pk) in page
    client.logout()
    assert "/delete/" not in client.get(thread.get_absolute_url()).text


def test_the_button_asks_first_and_only_the_confirmation_deletes(client, member):
    thread = make_thread(author=member, title="Owls")
    reply = make_reply(thread=thread, author=member, body="A regrettable *remark*.")
    client.force_login(member)

    asked = client.post(f"/p/{reply.pk}/delete/")
    assert asked.status_code == 200
    assert "Delete this post?" in asked.text and 'name="confirm" value="yes"' in asked.text
    assert "<em>remark</em>" in asked.text
    assert Post.objects.get(pk=reply.pk).deleted_at is None
    assert client.get(f"/p/{reply.pk}/delete/").status_code == 200

    done = client.post(f"/p/{reply.pk}/delete/", {"confirm": "yes"})

    assert done.status_code == 302 and done["Location"].endswith(f"#post-{reply.pk}")
    reply.refresh_from_db()
    assert reply.deleted_at is not None and reply.deleted_by == member
    page = client.get(done["Location"]).text
    assert "This post was deleted." in page and "regrettable" not in page
    again = client.post(f"/p/{reply.pk}/delete/", {"confirm": "yes"})
    assert again.status_code == 302  # deleted already: nothing changes


def test_moderators_keep_the_content_of_a_deleted_post(client, member, moderator):
    thread = make_thread(author=member, title="Owls")
    reply = make_reply(thread=thread, author=member, body="Kept for the record.")
    client.force_login(member)
    client.post(f"/p/{reply.pk}/delete/", {"confirm": "yes"})

    client.force_login(moderator)
    page = client.get(thread.get_absolute_url()).text

    assert "Kept for the record." in page and "(deleted)" in page


def test_deleting_the_opening_post_deletes_the_thread(client, member, category):
    thread = make_thread(author=member, category=category, title="Owls")
    client.force_login(member)

    asked = client.get(f"/p/{thread.opening_post_id}/delete/")
    done = client.post(f"/p/{thread.opening_post_id}/delete/", {"confirm": "yes"})

    assert "deletes the thread" in asked.text
    assert done.status_code == 302 and done["Location"] == f"/c/{category.slug}/"
    assert Thread.objects.get(pk=thread.pk).is_deleted


def test_refusals(client, member, other_member):
    thread = make_thread(author=member, title="Owls")
    reply = make_reply(thread=thread, author=member, body="Mine.")
    url = f"/p/{reply.pk}/delete/"

    assert client.post(url, {"confirm": "yes"})["Location"].startswith("/accounts/login/")
    client.force_login(other_member)
    refused = client.post(url, {"confirm": "yes"})
    assert refused.status_code == 403 and "Only the author can delete this post." in refused.text
    assert client.get("/p/999999/delete/").status_code == 404
    assert Post.objects.get(pk=reply.pk).deleted_at is None
