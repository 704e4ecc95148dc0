"""The notifications list and count never show what the recipient may no longer see."""

import pytest

from forum.threads.models import PostState
from forum.threads.services import thread_set_state
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_a_reply_in_a_thread_hidden_since_drops_out_of_the_inbox(
    api, member, other_member, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the fan-out runs after commit
        thread = make_thread(author=member, category=category, title="Soon hidden title")
        other_thread = make_thread(author=member, category=category, title="Stays visible")
        make_reply(thread=other_thread, author=other_member, body="Reply in the visible one")
        # other_member watches the first thread by replying; then member replies to them.
        theirs = make_reply(thread=thread, author=other_member, body="First")
        make_reply(thread=thread, author=member, parent=theirs, body="Answer")
    api.force_authenticate(other_member)
    before = api.get("/api/v1/notifications/").json()["results"]
    assert any(n["thread_id"] == thread.pk for n in before)

    thread_set_state(thread=thread, state=PostState.HIDDEN)

    after = api.get("/api/v1/notifications/").json()["results"]
    assert all(n["thread_id"] != thread.pk for n in after)
    assert "Soon hidden title" not in str(after)
    unread = api.get("/api/v1/notifications/unread-count/").json()["unread"]
    assert unread == sum(1 for n in after if n["read_at"] is None)
    # The thread's author (who may still see it) keeps theirs.
    api.force_authenticate(member)
    mine = api.get("/api/v1/notifications/").json()["results"]
    assert any(n["thread_id"] == thread.pk for n in mine)
