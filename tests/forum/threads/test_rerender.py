"""Rendering stored posts again after the renderer learned new syntax (footnotes): the
post and its current revision get the new HTML, its thread's cached pages go stale, and
posts that render the same are left alone."""

import pytest
from django.core.management import call_command

from forum.threads.models import Post, PostRevision, Thread
from tests.factories import make_reply, make_thread

pytestmark = pytest.mark.django_db

OLD_HTML = "<p>A claim[^1].</p>\n<p>[^1]: The source.</p>\n"


def test_rerender_posts_renders_footnotes_written_before_they_were_known(member, capsys):
    thread = make_thread(author=member, body="A claim[^1].\n\n[^1]: The source.")
    untouched = make_reply(thread=thread, author=member, body="No notes here.")
    post = Post.objects.get(pk=thread.opening_post_id)
    Post.objects.filter(pk=post.pk).update(body_html=OLD_HTML)
    PostRevision.objects.filter(pk=post.current_revision_id).update(body_html=OLD_HTML)
    version = Thread.objects.get(pk=thread.pk).version

    call_command("rerender_posts", "--containing", "[^", "--containing", "^[")

    post.refresh_from_db()
    assert 'class="footnote-ref"' in post.body_html
    assert 'class="footnote-ref"' in PostRevision.objects.get(pk=post.current_revision_id).body_html
    assert Thread.objects.get(pk=thread.pk).version > version
    assert Post.objects.get(pk=untouched.pk).body_html == untouched.body_html
    assert "Rendered 1 posts again; 1 changed." in capsys.readouterr().out

    call_command("rerender_posts")
    assert "0 changed" in capsys.readouterr().out
