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


def test_the_author_sees_who_changed_what_and_a_moderators_reason(
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
    client.force_login(member)

    page = client.get(f"/p/{reply.pk}/history/").text

    assert "Revision 3 (current)" in page and "Revision 1 (original)" in page
    assert "reason: removed a phone number" in page
    assert moderator.username in page and member.username in page
    assert "<p>Second one.</p></del>" in page
    assert "<p>Second, <strong>better</strong>.</p></ins>" in page
    assert "<p>Second, tidied.</p></ins>" in page
    assert "**better**" not in page  # rendered, never Markdown
    assert "<p>First paragraph.</p>" in page  # the unchanged paragraph beside the change
    client.force_login(other_member)
    other = client.get(f"/p/{reply.pk}/history/").text
    assert "reason: removed a phone number" in other and "Second one." not in other


def test_posts_show_an_edited_link_to_the_history_to_every_reader(client, member):
    thread = make_thread(author=member, title="Herons")
    reply = make_reply(thread=thread, author=member, body="Before.")
    services.post_edit(editor=member, post=reply, body="After.")

    page = client.get(thread.get_absolute_url()).text

    assert f'<a href="/p/{reply.pk}/history/">edited (2 revisions)</a>' in page


def test_what_a_moderators_edit_took_out_stays_with_the_author_and_moderators(
    client, member, other_member, moderator
):
    from rest_framework.test import APIClient

    api = APIClient()
    thread = make_thread(author=member)
    post = make_reply(thread=thread, author=member, body="Call me on 555-0199 tonight.")
    services.post_edit(editor=member, post=post, body="Call me on 555-0199 tonight, please.")
    perform("edit", actor=moderator, target=post, reason="No phone numbers", body="Call me.")
    services.post_edit(editor=member, post=post, body="Call me, or write.")
    url = f"/p/{post.pk}/history/"

    pages = {}
    for who in (other_member, None, member, moderator):
        client.logout()
        if who is not None:
            client.force_login(who)
        pages[who.username if who else "anonymous"] = client.get(url)

    for reader in ("other", "anonymous"):
        page = pages[reader].content.decode()
        assert pages[reader].status_code == 200
        assert "555-0199" not in page
        assert "No phone numbers" in page  # who, when and why still show
        assert "Call me, or write." in page  # what came after the edit is public
    for privileged in ("member", "mod"):
        assert "555-0199" in pages[privileged].content.decode()

    api.force_authenticate(other_member)
    revisions = api.get(f"/api/v1/posts/{post.pk}/revisions/").json()["results"]
    assert [(r["number"], r["withheld"]) for r in revisions] == [
        (1, True),
        (2, True),
        (3, False),
        (4, False),
    ]
    # Not even the number's first digits, in anything a revision says but its time: the
    # microseconds of "created_at" spell "555" about once in 250.
    said = [{name: value for name, value in r.items() if name != "created_at"} for r in revisions]
    assert "555" not in str(said)
    assert api.get(f"/api/v1/posts/{post.pk}/diff/", {"old": 2, "new": 3}).status_code == 404
    assert api.get(f"/api/v1/posts/{post.pk}/diff/", {"old": 3, "new": 4}).status_code == 200
    api.force_authenticate(member)
    own = api.get(f"/api/v1/posts/{post.pk}/revisions/").json()["results"]
    assert not any(r["withheld"] for r in own) and "555-0199" in own[0]["body"]
    assert api.get(f"/api/v1/posts/{post.pk}/diff/", {"old": 2, "new": 3}).status_code == 200
