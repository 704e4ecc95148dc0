"""Hostile input: what a member could send to hurt the forum or other members, and the
clear, bounded behaviour each gets. Nothing here may cause a server error, a recursion
error or unbounded work."""

import json
import re
import time

import pytest
from django.db import connection
from django.db.models import F, Max
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from forum.accounts.models import User
from forum.accounts.services import user_signup, user_update_profile
from forum.core.errors import ValidationFailed
from forum.notifications.models import Notification
from forum.threads import services
from forum.threads.models import Post, Thread
from forum.threads.rendering import MAX_MENTIONS
from forum.threads.tasks import fan_out_post
from moderation import pipeline
from tests.factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(member):
    client = APIClient()
    client.force_authenticate(member)
    return client


@pytest.fixture
def thread(member, category):
    return make_thread(author=member, category=category, title="Hostile input", body="Begin.")


# --- a chain of 5,000 replies ------------------------------------------------------------


def _chain_of_replies(*, thread, author, length: int) -> Post:
    """`length` replies, each to the one before, laid out exactly as post_create lays them
    out (positions, depths, materialised paths), written in bulk: 5,000 trips through the
    service would take minutes on a small machine, and the depth-dependent part of the
    service (child_path) is what builds these rows."""
    opening = Post.objects.get(pk=thread.opening_post_id)
    next_pk = (Post.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    rows, parent_pk, parent_path = [], opening.pk, opening.path
    for n in range(length):
        position = thread.last_position + 1 + n
        path = services.child_path(parent_path, position)
        rows.append(
            Post(
                pk=next_pk + n,
                thread=thread,
                author=author,
                parent_id=parent_pk,
                position=position,
                published_position=position,
                depth=n + 1,
                path=path,
                body_source=f"r{n}",
                body_html=f"<p>r{n}</p>",
                word_count=1,
            )
        )
        parent_pk, parent_path = next_pk + n, path
    Post.objects.bulk_create(rows, batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [Post._meta.db_table, next_pk + length],
            )
    Thread.objects.filter(pk=thread.pk).update(
        last_position=thread.last_position + length,
        reply_count=F("reply_count") + length,
        version=F("version") + 1,
    )
    thread.refresh_from_db()
    return rows[-1]


def test_a_chain_of_5000_replies_is_stored_and_read_without_recursion(client, member, thread):
    depth = 5000
    parent = _chain_of_replies(thread=thread, author=member, length=depth - 100)
    # The last hundred through the service itself, at depths far past any recursion limit.
    for n in range(100):
        parent = services.post_create(author=member, thread=thread, parent=parent, body=f"s{n}")
    deepest = parent
    assert deepest.depth == depth

    # Every read of the chain is bounded: fixed-size pages, no walk proportional to depth.
    timings = {}
    for name, url in {
        "thread page": thread.get_absolute_url(),
        "deepest permalink": f"/p/{deepest.pk}/",
        "deepest branch": f"/p/{deepest.pk}/thread/",
        "middle branch": f"/p/{deepest.parent.parent.pk}/thread/",
    }.items():
        started = time.monotonic()
        response = client.get(url, follow=True)
        timings[name] = time.monotonic() - started
        assert response.status_code == 200, name
    api = APIClient()
    url, pages, slowest = f"/api/v1/threads/{thread.pk}/posts/", 0, 0.0
    while pages < 200:
        started = time.monotonic()
        page = api.get(url)
        slowest = max(slowest, time.monotonic() - started)
        assert page.status_code == 200
        body = page.json()
        pages += 1
        if not body["next"]:
            break
        url = body["next"]
    timings["slowest API page"] = slowest
    assert pages == pytest.approx(depth / 50, abs=2)
    assert all(seconds < 10 for seconds in timings.values()), timings

    # The deepest post can be edited and checked like any other.
    services.post_edit(editor=member, post=deepest, body="r-last, edited")
    assert pipeline.revision_check(revision_id=Post.objects.get(pk=deepest.pk).current_revision_id)


# --- size -------------------------------------------------------------------------------


def test_a_1mb_body_is_a_clear_400_in_the_api(api, thread):
    response = api.post(
        f"/api/v1/threads/{thread.pk}/posts/", {"body": "a" * 1_000_000}, format="json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "too_long"
    assert "at most 250000 characters" in error["fields"]["body"][0]
    assert not Post.objects.filter(thread=thread, depth=1).exists()


def test_a_request_past_the_upload_limit_is_a_413_with_the_error_body(api, thread, settings):
    body = json.dumps({"body": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = api.post(
        f"/api/v1/threads/{thread.pk}/posts/", body, content_type="application/json"
    )

    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_a_1mb_body_is_a_form_error_in_the_web_ui(client, member, thread):
    client.force_login(member)
    response = client.post(thread.get_absolute_url(), {"body": "a" * 1_000_000})

    assert response.status_code == 400
    assert re.search(r"at most 250[,.]?000 characters", response.content.decode())
    assert not Post.objects.filter(thread=thread, depth=1).exists()


def test_100000_character_lines_render_check_and_read_in_bounded_time(api, client, thread):
    body = "\n\n".join(["x" * 100_000, "https://e.test/" + "a" * 99_985, ("word " * 5_000).strip()])
    started = time.monotonic()
    response = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": body}, format="json")
    assert response.status_code == 201, response.json()
    post = Post.objects.get(pk=response.json()["id"])
    assert pipeline.revision_check(revision_id=post.current_revision_id)
    assert client.get(thread.get_absolute_url()).status_code == 200
    assert time.monotonic() - started < 20


# --- mentions -----------------------------------------------------------------------------


def test_10000_mentions_notify_at_most_the_cap_with_bounded_work(api, thread, member):
    User.objects.bulk_create(
        User(username=f"target{n}", password="!", trust_level=1) for n in range(10_000)
    )
    body = " ".join(f"@target{n}" for n in range(10_000))

    response = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": body}, format="json")

    assert response.status_code == 201
    post = Post.objects.get(pk=response.json()["id"])
    with CaptureQueriesContext(connection) as queries:
        fan_out_post.apply(args=[post.pk])
    mentioned = Notification.objects.filter(post=post, kind="mention")
    assert mentioned.count() == MAX_MENTIONS
    # The first MAX_MENTIONS names, in the order written; the rest are plain links.
    assert set(mentioned.values_list("recipient__username", flat=True)) == {
        f"target{n}" for n in range(MAX_MENTIONS)
    }
    assert len(queries) < 40


# --- invisible and direction-changing characters ------------------------------------------

ZERO_WIDTH = "\u200b\u2060\ufeff\u00ad"
BIDI = ["\u202e", "\u202d", "\u202a", "\u202b", "\u2066", "\u2067", "\u2068", "\u2069"]


def test_zero_width_characters_are_dropped_from_titles(api, category):
    response = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": f"Off{ZERO_WIDTH}icial news", "body": "Hi."},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["title"] == "Official news"


@pytest.mark.parametrize("control", BIDI)
def test_bidi_controls_are_refused_in_titles(api, category, control):
    response = api.post(
        "/api/v1/threads/",
        {"category": category.slug, "title": f"Safe {control}txt.exe", "body": "Hi."},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "control_character"


@pytest.mark.parametrize("control", BIDI)
def test_bidi_controls_are_refused_in_display_names(member, control):
    with pytest.raises(ValidationFailed) as refused:
        user_update_profile(
            user=member,
            display_name=f"mod{control}erator",
            bio="",
            email_frequency="daily",
            auto_watch_threads=True,
        )
    assert refused.value.code == "control_character"


def test_zero_width_and_bidi_characters_in_usernames_never_reach_an_account(db):
    assert (
        user_signup(
            username=f"new{ZERO_WIDTH}comer", email="n@example.test", password="a sturdy passphrase"
        ).username
        == "newcomer"
    )
    for control in BIDI:
        with pytest.raises(ValidationFailed):
            user_signup(
                username=f"eve{control}", email="e@example.test", password="a sturdy passphrase"
            )
    for joiner in ("\u200c", "\u200d"):
        with pytest.raises(ValidationFailed):
            user_signup(
                username=f"ev{joiner}e", email="e@example.test", password="a sturdy passphrase"
            )


def test_a_bidi_override_in_a_body_cannot_reach_past_its_paragraph(api, thread):
    body = "Totally \u202eharmless\n\nNext paragraph \u2067starts here"
    response = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": body}, format="json")

    assert response.status_code == 201
    html = Post.objects.get(pk=response.json()["id"]).body_html
    # Each block element ends a Unicode bidi paragraph, which ends every embedding,
    # override and isolate opened inside it: nothing leaks into the page around the post.
    for block in re.findall(r"<p>(.*?)</p>", html, flags=re.S):
        assert "<" not in block.replace("<br>", "")
    outside = re.sub(r"<p>.*?</p>", "", html, flags=re.S)
    assert not any(control in outside for control in BIDI)


# --- look-alike usernames ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lookalike", "code"),
    [
        # The same name once case is folded and invisible characters dropped: taken.
        ("Admin", "username_taken"),
        ("admIn", "username_taken"),
        ("ad\u200bmin", "username_taken"),  # zero-width space
        # A different name that reads as the same: confusable.
        ("\u0430dmin", "username_confusable"),  # Cyrillic a
        ("\uff41dmin", "username_confusable"),  # fullwidth a
        ("admín", "username_confusable"),  # accent
        ("adm1n", "username_confusable"),  # digit for letter
    ],
)
def test_sign_up_refuses_a_name_that_passes_for_an_existing_one(db, lookalike, code):
    UserFactory(username="admin")

    with pytest.raises(ValidationFailed) as refused:
        user_signup(username=lookalike, email="x@example.test", password="a sturdy passphrase")

    assert refused.value.code == code
    assert User.objects.count() == 1


def test_sign_up_accepts_names_that_only_share_letters(db):
    UserFactory(username="alice")
    for name in ("alicia", "alice2", "malice"):
        assert user_signup(
            username=name, email=f"{name}@example.test", password="a sturdy passphrase"
        )


def test_the_web_sign_up_form_names_the_look_alike_refusal(client, db):
    UserFactory(username="moderator")
    response = client.post(
        "/accounts/signup/",
        {
            "username": "m\u043ederator",  # Cyrillic o
            "email": "spoof@example.test",
            "password": "a sturdy passphrase",
            "password_again": "a sturdy passphrase",
        },
    )

    assert response.status_code == 400
    assert "looks too much like an existing member" in response.content.decode()
    assert not User.objects.filter(email="spoof@example.test").exists()


def test_a_form_past_the_upload_limit_is_a_413_page_and_nothing_is_saved(
    client, member, thread, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client.force_login(member)
    response = client.post(thread.get_absolute_url(), {"body": "a" * 20_000})

    assert response.status_code == 413
    page = response.content.decode()
    assert "too large" in page and "nothing was saved" in page
    assert not Post.objects.filter(thread=thread, depth=1).exists()
