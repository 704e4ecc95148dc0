"""New members' first posts and pre-moderated categories wait for approval."""

import datetime as dt

import pytest

from moderation.content import content_from_html
from moderation.rules import CheckContext, InvalidRuleParams, get_kind

KIND = get_kind("premoderation")
EMPTY = content_from_html("")


def check(*, level, posts, premoderated=False):
    context = CheckContext(
        now=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        author_trust_level=level,
        author_visible_post_count=posts,
        category_premoderated=premoderated,
    )
    return KIND.compile({"below_trust_level": 1, "first_posts": 3}).check_post(EMPTY, context)


def test_a_new_member_with_few_posts_is_held_without_spans():
    (hit,) = check(level=0, posts=2)

    assert hit.spans == ()
    assert hit.score == 1.0
    assert "new member" in hit.detail


@pytest.mark.parametrize(("level", "posts"), [(0, 3), (1, 0), (3, 0)])
def test_enough_posts_or_enough_trust_is_enough(level, posts):
    assert check(level=level, posts=posts) == []


def test_a_premoderated_category_holds_everyone():
    (hit,) = check(level=4, posts=500, premoderated=True)

    assert hit.detail == "the category is pre-moderated"


def test_defaults_and_errors():
    assert KIND.validate_params({}) == {"below_trust_level": 1, "first_posts": 3}
    with pytest.raises(InvalidRuleParams, match='"first_posts" must be a whole number'):
        KIND.validate_params({"first_posts": 1.5})
