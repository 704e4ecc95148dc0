"""Creating threads, replying, editing with revisions and soft deletion."""

import pytest

from forum.accounts.models import Sanction
from forum.core.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from forum.threads import services
from forum.threads.models import Category, Post, PostRevision, PostState, Thread
from tests import fallbacks
from tests.factories import CategoryFactory, make_reply, make_thread

pytestmark = pytest.mark.django_db


def test_thread_create_stores_opening_post_and_first_revision(member, category):
    thread = services.thread_create(
        author=member, category=category, title="  On treaties  ", body="# Heading\n\nText."
    )

    assert thread.title == "On treaties"
    assert thread.slug == "on-treaties"
    post = thread.opening_post
    assert post.position == 1 and post.depth == 0 and post.parent is None
    assert post.state == PostState.VISIBLE
    assert post.body_source == "# Heading\n\nText."
    assert "<h1" in post.body_html and "Heading" in post.body_html
    revision = post.current_revision
    assert revision.number == 1 and revision.body_source == post.body_source
    assert revision.title == "On treaties"
    member.refresh_from_db()
    assert member.post_count == 1


def test_thread_create_by_newcomer_is_pending_with_reason(newcomer, category):
    thread = services.thread_create(author=newcomer, category=category, title="Hello", body="Hi")

    assert thread.state == PostState.PENDING
    assert thread.opening_post.state == PostState.PENDING
    assert "new members" in thread.opening_post.state_reason


def test_pre_moderated_category_holds_trusted_members_but_not_moderators(member, moderator):
    category = CategoryFactory(moderation_mode=Category.ModerationMode.PRE_MODERATED)

    held = services.thread_create(author=member, category=category, title="Held", body="x")
    direct = services.thread_create(author=moderator, category=category, title="Direct", body="x")

    assert held.state == PostState.PENDING
    assert direct.state == PostState.VISIBLE


def test_reply_defaults_to_the_opening_post_and_counts(member, other_member):
    thread = make_thread(author=member)

    reply = services.post_create(author=other_member, thread=thread, body="Agreed.")

    thread.refresh_from_db()
    assert reply.parent_id == thread.opening_post_id
    assert reply.depth == 1 and reply.position == 2
    assert thread.reply_count == 1 and thread.last_position == 2
    assert thread.last_activity_at == reply.created_at


def test_pending_reply_does_not_count_until_visible(member, newcomer):
    thread = make_thread(author=member)

    reply = services.post_create(author=newcomer, thread=thread, body="First post!")
    thread.refresh_from_db()
    assert reply.state == PostState.PENDING and thread.reply_count == 0

    assert services.post_set_state(post=reply, state=PostState.VISIBLE) is True
    assert services.post_set_state(post=reply, state=PostState.VISIBLE) is False
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_edit_stores_a_revision_and_rerenders(member):
    thread = make_thread(author=member, body="First *draft*")
    post = thread.opening_post

    revision = services.post_edit(editor=member, post=post, body="Second **draft**", reason="typo")

    post.refresh_from_db()
    assert revision.number == 2 and revision.reason == "typo"
    assert post.revision_count == 2 and post.current_revision == revision
    assert "<strong>draft</strong>" in post.body_html
    assert post.edited_at is not None
    assert list(post.revisions.values_list("number", "body_source")) == [
        (1, "First *draft*"),
        (2, "Second **draft**"),
    ]


def test_edit_to_the_same_text_changes_nothing(member):
    post = make_thread(author=member, body="Same").opening_post

    revision = services.post_edit(editor=member, post=post, body="Same")

    assert revision.number == 1
    assert PostRevision.objects.filter(post=post).count() == 1


def test_edit_title_of_opening_post(member):
    thread = make_thread(author=member, title="Old title")

    services.post_edit(editor=member, post=thread.opening_post, body="Opening.", title="New title")

    thread.refresh_from_db()
    assert thread.title == "New title" and thread.slug == "new-title"
    assert thread.opening_post.current_revision.title == "New title"


def test_only_the_author_or_a_moderator_edits(member, other_member, moderator):
    post = make_thread(author=member).opening_post

    with pytest.raises(PermissionDenied) as refused:
        services.post_edit(editor=other_member, post=post, body="Vandalised")
    assert refused.value.code == "not_author"

    services.post_edit(editor=moderator, post=post, body="Fixed a link", reason="broken link")
    post.refresh_from_db()
    assert post.body_source == "Fixed a link"


def test_soft_delete_keeps_the_content_and_is_idempotent(member, other_member):
    thread = make_thread(author=member)
    reply = make_reply(thread=thread, author=other_member, body="Keep me for the record")

    assert services.post_delete(actor=other_member, post=reply) is True
    assert services.post_delete(actor=other_member, post=reply) is False

    reply.refresh_from_db()
    thread.refresh_from_db()
    assert reply.deleted_at is not None and reply.deleted_by == other_member
    assert reply.body_source == "Keep me for the record"
    assert thread.reply_count == 0


def test_deleting_the_opening_post_deletes_the_thread(member):
    thread = make_thread(author=member)

    services.post_delete(actor=member, post=thread.opening_post)

    thread.refresh_from_db()
    assert thread.is_deleted


@pytest.mark.parametrize(
    ("title", "body", "field", "code"),
    [
        ("", "body", "title", "required"),
        ("ab", "body", "title", "too_short"),
        ("x" * 201, "body", "title", "too_long"),
        ("Title", "", "body", "required"),
        ("Title", "   \n\t ", "body", "required"),
        ("Title", "x" * 250_001, "body", "too_long"),
        ("Ti\x00tle", "body", "title", "control_character"),
        ("Title", "bell \x07 in body", "body", "control_character"),
        ("Ti\u202etle", "body", "title", "control_character"),
        ("Title", "lone surrogate \ud800", "body", "invalid_encoding"),
        (None, "body", "title", "invalid"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(
    member, category, title, body, field, code
):
    with pytest.raises(ValidationFailed) as refused:
        services.thread_create(author=member, category=category, title=title, body=body)

    assert refused.value.code == code
    assert field in refused.value.fields
    assert not Thread.objects.exists() and not Post.objects.exists()


def test_body_keeps_tabs_newlines_and_bidi_text(member, category):
    body = "Line one\n\tindented\r\nمرحبا \u202bembedded\u202c"

    thread = services.thread_create(author=member, category=category, title="Mixed", body=body)

    assert thread.opening_post.body_source == "Line one\n\tindented\nمرحبا \u202bembedded\u202c"


def test_parent_from_another_thread_is_refused(member):
    thread = make_thread(author=member)
    elsewhere = make_reply(thread=make_thread(author=member))

    with pytest.raises(ValidationFailed) as refused:
        services.post_create(author=member, thread=thread, parent=elsewhere, body="Hi")

    assert refused.value.fields == {
        "parent": ["The post you are replying to is not in this thread."]
    }
    assert Post.objects.filter(thread=thread).count() == 1


def test_reply_to_a_hidden_parent_is_refused_like_a_missing_one(member, other_member):
    thread = make_thread(author=member)
    hidden = make_reply(thread=thread, author=member)
    services.post_set_state(post=hidden, state=PostState.HIDDEN, reason="reported")

    with pytest.raises(ValidationFailed) as refused:
        services.post_create(author=other_member, thread=thread, parent=hidden, body="Hi")
    assert refused.value.code == "bad_parent"


def test_reply_to_a_locked_thread_is_refused_except_for_moderators(member, moderator):
    thread = make_thread(author=member)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    thread.refresh_from_db()

    with pytest.raises(PermissionDenied) as refused:
        services.post_create(author=member, thread=thread, body="Let me in")
    assert refused.value.code == "thread_locked"
    assert Post.objects.filter(thread=thread).count() == 1

    services.post_create(author=moderator, thread=thread, body="Closing note.")


@pytest.mark.parametrize(
    ("kind", "code"),
    [("suspend", "account_suspended"), ("silence", "account_silenced"), ("ban", "account_banned")],
)
def test_sanctioned_members_cannot_post(member, category, kind, code):
    thread = make_thread()
    Sanction.objects.create(user=member, kind=kind, reason="spam")

    with pytest.raises(PermissionDenied) as refused:
        services.thread_create(author=member, category=category, title="Hello", body="Hi")
    assert refused.value.code == code
    with pytest.raises(PermissionDenied):
        services.post_create(author=member, thread=thread, body="Hi")
    assert not Thread.objects.filter(author=member).exists()


def test_an_ended_sanction_no_longer_blocks(member, category):
    from django.utils import timezone

    Sanction.objects.create(user=member, kind="suspend", reason="cool off", ends_at=timezone.now())

    services.thread_create(author=member, category=category, title="Back again", body="Hi")


def test_anonymous_cannot_post(category):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(NotAuthenticated):
        services.thread_create(author=AnonymousUser(), category=category, title="Hi", body="x")


def test_long_form_opening_post_of_100k_characters_is_stored_and_rendered(member, category):
    section = (
        "## Section {n}\n\n"
        "> A quoted source, paragraph {n}.\n\n"
        "- point one\n- point two with a [link](https://example.org/{n})\n\n"
        "| a | b |\n|---|---|\n| {n} | x |\n\n"
        "```\ncode {n}\n```\n\n"
        + "Long-form analysis text that goes on for a while. " * 30
        + "\n\n"
    )
    body = "".join(section.format(n=n) for n in range(70))
    body += "Final marker paragraph."
    assert len(body) >= 100_000

    thread = services.thread_create(author=member, category=category, title="Long", body=body)

    post = Post.objects.get(pk=thread.opening_post_id)
    assert post.body_source == body
    assert post.body_html.count("<h2") == 70
    assert post.body_html.count("<table>") == 70
    assert "Final marker paragraph." in post.body_html


def test_a_body_that_expands_to_too_much_markup_is_refused(member, category):
    body = "|a|b|\n|-|-|\n" + "|x|y|\n" * 40_000

    with pytest.raises(ValidationFailed) as refused:
        services.thread_create(author=member, category=category, title="Table", body=body)

    assert refused.value.code == "too_complex"
    assert "body" in refused.value.fields
    assert not Thread.objects.exists()


@pytest.mark.postgresql  # column compression is PostgreSQL's
def test_a_long_posts_bodies_are_stored_compressed_with_lz4_and_read_back_whole(member, category):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
        )
        if not cursor.fetchone()[0]:
            fallbacks.skip("a PostgreSQL server built with lz4", "this one was built without")
    body = "\n\n".join(
        f"Paragraph {n} of a long analysis, with *some* emphasis." for n in range(400)
    )
    thread = services.thread_create(author=member, category=category, title="Long one", body=body)
    post = thread.opening_post
    edited = services.post_edit(editor=member, post=post, body=body + "\n\nOne more.")

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_column_compression(body_source), pg_column_compression(body_html) "
            "FROM threads_post WHERE id = %s UNION ALL "
            "SELECT pg_column_compression(body_source), pg_column_compression(body_html) "
            "FROM threads_postrevision WHERE post_id = %s",
            [post.pk, post.pk],
        )
        assert cursor.fetchall() == [("lz4", "lz4")] * 3
    post.refresh_from_db()
    assert post.body_source == body + "\n\nOne more." == edited.body_source
    assert post.body_html.count("<p>") == 401
