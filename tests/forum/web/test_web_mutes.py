"""Muting a member folds their posts for the member who muted them: on thread, branch
and search pages their content sits in a closed <details> (open it and it is all there,
no JavaScript needed), the replies below stay in view, their threads are marked in the
lists, and the API flags their posts. Everyone else keeps the same shared page."""

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from forum.accounts.models import User
from forum.core import fragments
from forum.notifications.services import mute_set
from tests.factories import ModeratorFactory, UserFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db

FOLDED = re.compile(
    r'<details class="muted-post"><summary>Post by (?P<name>[^<]+), whom you muted — show'
    r"</summary>(?P<content>(?:<details.*?</details>|.)*?)</details>",
    re.S,
)


def _reader(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def loud():
    return UserFactory(username="loud")


@pytest.fixture
def discussion(member, loud, other_member):
    """A thread by `member` with a reply by `loud` and, under it, one by `other_member`."""
    thread = make_thread(author=member, title="Rates and prices", body="Opening words.")
    noisy = make_reply(thread=thread, author=loud, body="Loud words about rates.")
    answer = make_reply(thread=thread, author=other_member, parent=noisy, body="Calm answer.")
    return thread, noisy, answer


def test_a_muted_members_post_is_folded_for_the_muter_with_replies_in_view(
    member, loud, discussion
):
    thread, noisy, _ = discussion
    mute_set(user=member, username="loud", muted=True)

    html = _get(_reader(member), thread.get_absolute_url())

    folded = FOLDED.findall(html)
    assert len(folded) == 1
    name, content = folded[0]
    assert name == "loud"
    assert "Loud words about rates." in content  # there, a click away
    assert f'data-post="{noisy.pk}"' in content
    assert "Calm answer." not in content  # the reply below stays open
    assert "Calm answer." in html
    assert "Opening words." not in content


def test_another_member_sees_the_same_shared_posts_unfolded(loud, discussion):
    thread, _, _ = discussion
    muter, bystander = UserFactory(), UserFactory()  # no posts here: the same capabilities
    mute_set(user=muter, username="loud", muted=True)
    _get(_reader(muter), thread.get_absolute_url())
    built = len(fragments.local_fragments._entries)

    html = _get(_reader(bystander), thread.get_absolute_url())

    assert "muted-post" not in html
    assert "Loud words about rates." in html
    assert "\x00" not in html
    # The muter's page built nothing another reader with the same view could not reuse.
    assert len(fragments.local_fragments._entries) == built


def test_unmuting_unfolds_and_a_visitor_never_sees_a_fold(client, member, loud, discussion):
    thread, _, _ = discussion
    mute_set(user=member, username="loud", muted=True)
    mute_set(user=member, username="loud", muted=False)

    assert "muted-post" not in _get(_reader(member), thread.get_absolute_url())
    assert "muted-post" not in _get(client, thread.get_absolute_url())


def test_a_moderator_who_muted_a_member_sees_their_post_folded_with_the_tools_inside(
    loud, discussion
):
    thread, noisy, _ = discussion
    moderator = ModeratorFactory()
    mute_set(user=moderator, username="loud", muted=True)

    (name, content), *rest = FOLDED.findall(_get(_reader(moderator), thread.get_absolute_url()))

    assert name == "loud" and not rest
    assert f'aria-label="Moderate post {noisy.pk}"' in content


def test_branch_and_ranked_pages_fold_too(member, loud, discussion):
    thread, noisy, _ = discussion
    mute_set(user=member, username="loud", muted=True)
    reader = _reader(member)

    branch = _get(reader, f"/p/{noisy.pk}/thread/")
    newest = _get(reader, thread.get_absolute_url() + "?sort=newest")

    for html in (branch, newest):
        assert [name for name, _ in FOLDED.findall(html)] == ["loud"]
        assert "Calm answer." in html


def test_search_results_fold_hits_by_muted_members(member, loud, discussion):
    mute_set(user=member, username="loud", muted=True)

    html = _get(_reader(member), "/search/?q=rates")

    assert 'class="muted-post"><summary>Post by loud, whom you muted' in html


def test_thread_lists_mark_threads_started_by_muted_members(member, loud):
    make_thread(author=loud, title="A loud thread")
    make_thread(author=member, title="A quiet thread")
    mute_set(user=member, username="loud", muted=True)

    html = _get(_reader(member), "/")

    rows = re.findall(r'<li class="thread-row([^"]*)">(.*?)</li>', html, re.S)
    marks = {re.search(r'class="thread-title"[^>]*>([^<]+)<', row)[1]: cls for cls, row in rows}
    assert "by-muted" in marks["A loud thread"]
    assert "by-muted" not in marks["A quiet thread"]
    assert "(muted by you)" in html


def test_the_api_flags_posts_whose_author_the_caller_muted(member, other_member, loud, discussion):
    thread, noisy, answer = discussion
    mute_set(user=member, username="loud", muted=True)
    muter, other = APIClient(), APIClient()
    muter.force_authenticate(member)
    other.force_authenticate(other_member)

    mine = muter.get(f"/api/v1/threads/{thread.pk}/posts/").json()["results"]
    theirs = other.get(f"/api/v1/threads/{thread.pk}/posts/").json()["results"]
    detail = muter.get(f"/api/v1/posts/{noisy.pk}/").json()

    assert {p["id"]: p["author_muted"] for p in mine} == {
        thread.opening_post_id: False,
        noisy.pk: True,
        answer.pk: False,
    }
    assert not any(p["author_muted"] for p in theirs)
    # Clients fold it: the content is not taken away.
    assert next(p for p in mine if p["id"] == noisy.pk)["body_html"] == detail["body_html"]
    assert "Loud words" in detail["body_html"]
    assert detail["author_muted"] is True
    hits = muter.get("/api/v1/search/?q=rates").json()["results"]
    assert {hit["post_id"]: hit["author_muted"] for hit in hits}[noisy.pk] is True


def test_muting_changes_the_api_pages_etag(member, loud, discussion):
    thread, _, _ = discussion
    api = APIClient()
    api.force_authenticate(member)
    url = f"/api/v1/threads/{thread.pk}/posts/"
    etag = api.get(url)["ETag"]

    mute_set(user=member, username="loud", muted=True)

    response = api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert any(post["author_muted"] for post in response.json()["results"])


def test_a_muted_members_name_in_the_fold_is_escaped(member, discussion):
    thread, _, _ = discussion
    UserFactory(username="sly", display_name="<b>Sly</b>")
    make_reply(thread=thread, author=User.objects.get(username="sly"), body="Sly words.")
    mute_set(user=member, username="sly", muted=True)

    html = _get(_reader(member), thread.get_absolute_url())

    assert "Post by &lt;b&gt;Sly&lt;/b&gt; (@sly), whom you muted" in html
    assert "<b>Sly</b> (@sly), whom" not in html


def test_an_opening_posts_contents_and_reading_time_are_inside_the_fold(member, loud):
    """A muted author's headings say what their post says: the table of contents and the
    reading time are folded with it, and shown as before to everyone else."""
    thread = make_thread(
        author=loud,
        title="A long essay",
        body="# Loud heading\n\nText.\n\n## Louder subheading\n\nMore.\n\n# Loudest\n\nEnd.",
    )
    mute_set(user=member, username="loud", muted=True)

    html = _get(_reader(member), thread.get_absolute_url())

    folded = FOLDED.findall(html)
    assert len(folded) == 1
    _, content = folded[0]
    assert 'class="toc"' in content and "min read" in content
    outside = FOLDED.sub("", html)
    assert "Loud heading" not in outside and "Louder subheading" not in outside
    assert "min read" not in outside

    other = _get(_reader(UserFactory()), thread.get_absolute_url())
    assert "muted-post" not in other
    assert other.count("Loud heading") == 2  # the contents and the post itself
    assert 'class="toc"' in other and "min read" in other


def test_a_member_who_mutes_nobody_is_not_asked_whom_they_muted(member, loud, discussion):
    """Whether a member muted anyone comes with them (`muting_count`), so reading a
    thread's posts asks nothing more of those who mute nobody."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    thread, *_ = discussion
    url = f"/api/v1/threads/{thread.pk}/posts/"

    def queries_reading() -> list[str]:
        client = APIClient()
        client.force_authenticate(User.objects.get(pk=member.pk))
        client.get(url)  # the shared posts, stored
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return [query["sql"] for query in queries]

    muting_nobody = queries_reading()
    assert mute_set(user=member, username="loud", muted=True) is True
    assert mute_set(user=member, username="loud", muted=True) is False
    muting_one = queries_reading()
    counted = User.objects.get(pk=member.pk).muting_count
    mute_set(user=member, username="loud", muted=False)

    assert not any("usermute" in sql for sql in muting_nobody)
    assert len(muting_one) == len(muting_nobody) + 1
    assert counted == 1 and User.objects.get(pk=member.pk).muting_count == 0


def test_the_migration_counts_the_mutes_members_already_hold(member, loud, other_member):
    import importlib

    from django.apps import apps

    from forum.notifications.models import UserMute

    migration = importlib.import_module("forum.notifications.migrations.0005_count_members_muted")
    UserMute.objects.create(user=member, muted=loud)
    UserMute.objects.create(user=member, muted=other_member)
    UserMute.objects.create(user=other_member, muted=loud)

    migration.count_members_muted(apps, None)

    counts = dict(User.objects.values_list("username", "muting_count"))
    assert counts[member.username] == 2 and counts[other_member.username] == 1
    assert counts["loud"] == 0
