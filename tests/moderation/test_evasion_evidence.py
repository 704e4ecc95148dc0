"""A disguised watched word holds the post like a plain one, and the moderator sees the
evidence marked where the author wrote it, in the rendered post."""

import re

import pytest
from django.test import Client

from moderation.content import content_from_html
from moderation.models import ReviewItem, Verdict
from tests.factories import make_thread
from tests.moderation.conftest import checked_reply, watched_words_rule

pytestmark = pytest.mark.django_db

BODY = (
    "A fair question about dosage.\n\n"
    "Get your v.i.**a.g**.r.a here, or *via🔥gra*, from buy_cheap_pills today!"
)


def test_disguised_words_are_held_with_evidence_in_the_rendered_post(member, moderator):
    watched_words_rule(moderator, ["viagra", "buy cheap pills"], name="Spam words")

    post = checked_reply(thread=make_thread(author=member), author=member, body=BODY)

    verdicts = Verdict.objects.filter(post=post)
    paragraphs = content_from_html(post.body_html).paragraphs
    marked = {
        (verdict.detail, paragraphs[span["paragraph"]].text[span["start"] : span["end"]])
        for verdict in verdicts
        for span in verdict.spans
    }
    assert marked == {
        ('watched word "viagra"', "v.i.a.g.r.a"),
        ('watched word "viagra"', "via🔥gra"),
        ('watched word "buy cheap pills"', "buy_cheap_pills"),
    }
    for span in (span for verdict in verdicts for span in verdict.spans):
        assert span["paragraph"] == 1
        assert paragraphs[1].text[span["start"] : span["end"]] == span["text"]


def test_the_item_page_marks_a_spelled_out_word_in_place(member, moderator):
    watched_words_rule(moderator, ["viagra"], name="Spam words")
    post = checked_reply(
        thread=make_thread(author=member), author=member, body="Cheap v i a g r a, honestly."
    )
    item = ReviewItem.objects.get(post=post)
    client = Client()
    client.force_login(moderator)

    page = client.get(f"/admin/moderation/reviewitem/{item.pk}/change/").content.decode()

    marked = re.search(
        r'Cheap <mark class="parley-hit[^"]*"[^>]*>v i a g r a</mark>, honestly', page
    )
    assert marked is not None
    assert 'title="Spam words v1' in marked.group(0)
