"""Pre-moderation: a new member's first posts, and every post in a pre-moderated
category, wait for a moderator."""

from __future__ import annotations

from typing import Any

from moderation.content import PostContent
from moderation.rules.base import TRUST_LEVELS, CheckContext, Hit, RuleKind, register
from moderation.rules.params import Integer

__all__ = ("CompiledPremoderation", "Premoderation")


class CompiledPremoderation:
    """A compiled pre-moderation rule (post scope). It reads only the context, so the
    caller may run it before the post has any text."""

    def __init__(self, *, below_trust_level: int, first_posts: int) -> None:
        self._below_trust_level = below_trust_level
        self._first_posts = first_posts

    def check_post(self, content: PostContent, context: CheckContext) -> list[Hit]:
        if context.category_premoderated:
            return [Hit(score=1.0, detail="the category is pre-moderated")]
        if (
            context.author_trust_level < self._below_trust_level
            and context.author_visible_post_count < self._first_posts
        ):
            count = context.author_visible_post_count
            return [
                Hit(
                    score=1.0,
                    detail=f"new member: trust level {context.author_trust_level} with "
                    f"{count} visible post{'' if count == 1 else 's'} (posts wait for "
                    f"approval below trust level {self._below_trust_level} until "
                    f"{self._first_posts} are visible)",
                )
            ]
        return []


class Premoderation(RuleKind):
    name = "premoderation"
    label = "Pre-moderation of new members"
    told_as = "new members' posts"
    scope = "post"
    params_schema_help = (
        "holds posts by members below below_trust_level who have fewer than first_posts "
        "visible posts, and all posts in pre-moderated categories; e.g. "
        '{"below_trust_level": 1, "first_posts": 3}'
    )

    parameters = (
        Integer(
            "below_trust_level",
            "Below trust level",
            help="Members below this trust level are new.",
            default=1,
            minimum=TRUST_LEVELS.start,
            maximum=TRUST_LEVELS.stop,
        ),
        Integer(
            "first_posts",
            "First posts held",
            help="A new member's posts wait for approval until this many are visible.",
            default=3,
            minimum=0,
            maximum=10_000,
        ),
    )

    def _compile(self, params: dict[str, Any]) -> CompiledPremoderation:
        return CompiledPremoderation(**params)


register(Premoderation())
