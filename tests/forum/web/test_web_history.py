"""A post's edit history for its readers: who changed what and when, each revision
against the one before, paragraph by paragraph in the rendered post."""

import pytest

from forum.threads import services
from forum.web.revisions import html_blocks, paragraph_diff
from moderation.actions import perform
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

BEFORE = (
    '<p>One.</p>\n<h2 id="h-two">Two</h2>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n'
    "<p>Four &amp; more.</p>"
)


def test_blocks_are_the_top_level_elements_each_whole():
    assert html_blocks(BEFORE) == [
        "<p>One.</p>",
        '<h2 id="h-two">Two</h2>',
        "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
        "<p>Four &amp; more.</p>",
    ]
    assert html_blocks("<p>a<br>b</p><hr><p>c</p>") == ["<p>a<br>b</p>", "<hr>", "<p>c</p>"]


def test_the_diff_removes_and_adds_paragraphs_and_folds_what_did_not_change():
    many = "".join(f"<p>Same {n}.</p>" for n in range(6))
    older = many + "<p>Old ending.</p>"
    newer = many + "<p>New <strong>ending</strong>.</p>"

    diff = paragraph_diff(older, newer)

    assert [(block.kind, block.skipped) for block in diff] == [
        ("skip", 5),
        ("same", 0),
        ("del", 0),
        ("add", 0),
    ]
    assert diff[1].html == "<p>Same 5.</p>"
    assert diff[2].html == "<p>Old ending.</p>"
    assert diff[3].html == "<p>New <strong>ending</strong>.</p>"


def test_every_block_is_sanitised_on_its_own():
    (removed, added) = paragraph_diff("<p>x</p>", '<p onclick="evil()">y<script>z</script></p>')

    assert removed.kind == "del" and added.kind == "add"
    assert "onclick" not in added.html and "<script" not in added.html


def test_readers_see_who_changed_what_and_a_moderators_reason(
    client, member, other_member, moderator
):
    thread = make_thread(author=member, title="Herons")
    reply = make_reply(thread=thread, author=member, body="First paragraph.\n\nSecond one.")
    services.post_edit(editor=member, post=reply, body="First paragraph.\n\nSecond, **better**.")
    perform(
        "edit",
        actor=moderator,
        target=reply,
        reason="removed a phone number",
        body="First paragraph.\n\nSecond, tidied.",
    )
    client.force_login(other_member)

    page = client.get(f"/p/{reply.pk}/history/").text

    assert "Revision 3 (current)" in page and "Revision 1 (original)" in page
    assert "reason: removed a phone number" in page
    assert moderator.username in page and member.username in page
    assert "<p>Second one.</p></del>" in page
    assert "<p>Second, <strong>better</strong>.</p></ins>" in page
    assert "<p>Second, tidied.</p></ins>" in page
    assert "**better**" not in page  # rendered, never Markdown
    assert "<p>First paragraph.</p>" in page  # the unchanged paragraph beside the change


def test_posts_show_an_edited_link_to_the_history_to_every_reader(client, member):
    thread = make_thread(author=member, title="Herons")
    reply = make_reply(thread=thread, author=member, body="Before.")
    services.post_edit(editor=member, post=reply, body="After.")

    page = client.get(thread.get_absolute_url()).text

    assert f'<a href="/p/{reply.pk}/history/">edited (2 revisions)</a>' in page
