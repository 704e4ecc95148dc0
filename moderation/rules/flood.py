"""Flood limits: how many posts a member may make per minute and per hour, by trust
level, and how often they may post the same text.

Limits are keyed by trust level. A level that is not listed takes the limit of the
highest listed level below it; levels from `UNLIMITED_FROM_LEVEL` up are unlimited
unless listed themselves, and so is a level with nothing listed below it. A limit of
null means no limit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any, Final

from moderation.content import PostContent
from moderation.rules.base import (
    TRUST_LEVELS,
    CheckContext,
    Hit,
    InvalidRuleParams,
    RuleKind,
    register,
)
from moderation.rules.params import Integer, LevelLimits

__all__ = ("UNLIMITED_FROM_LEVEL", "CompiledFlood", "Flood", "limit_for_level", "text_hash")

UNLIMITED_FROM_LEVEL: Final = 3

_WINDOWS: Final = (("minute", dt.timedelta(minutes=1)), ("hour", dt.timedelta(hours=1)))


def text_hash(content: PostContent) -> str:
    """A 32-hex-digit hash of the post's normalised text with whitespace collapsed: two
    posts that differ only in case, look-alike letters, accents or spacing hash alike.
    Store it per revision; `author_recent_text_hashes` is a list of these."""

    def compute() -> str:
        collapsed = " ".join(content.normalized_text.split())
        return hashlib.blake2b(
            collapsed.encode("utf-8", "surrogatepass"), digest_size=16
        ).hexdigest()

    return content.cached("flood.text_hash", compute)


def limit_for_level(limits: Mapping[int, int | None], level: int) -> int | None:
    """The limit that applies at trust `level` (None: unlimited); see the module docstring."""
    if level in limits:
        return limits[level]
    if level >= UNLIMITED_FROM_LEVEL:
        return None
    listed_below = [listed for listed in limits if listed < level]
    return limits[max(listed_below)] if listed_below else None


def _posts_within(context: CheckContext, window: dt.timedelta) -> int:
    # Clock skew can put a recent post a moment after `now`; it still counts.
    return sum(1 for time in context.author_recent_post_times if context.now - time < window)


class CompiledFlood:
    """A compiled flood rule (post scope)."""

    def __init__(
        self,
        *,
        per_minute: Mapping[int, int | None],
        per_hour: Mapping[int, int | None],
        max_identical: int | None,
    ) -> None:
        self._limits = {"minute": dict(per_minute), "hour": dict(per_hour)}
        self._max_identical = max_identical

    def check_post(self, content: PostContent, context: CheckContext) -> list[Hit]:
        """A hit per exceeded window (counting this post), and one when the same text
        was already posted `max_identical` times recently."""
        hits = []
        level = context.author_trust_level
        for name, window in _WINDOWS:
            limit = limit_for_level(self._limits[name], level)
            if limit is None:
                continue
            count = _posts_within(context, window) + 1
            if count > limit:
                hits.append(
                    Hit(
                        score=1.0,
                        detail=f"{count} posts in the last {name}; trust level {level} "
                        f"allows {limit}",
                    )
                )
        if self._max_identical and content.paragraphs:
            repeats = context.author_recent_text_hashes.count(text_hash(content))
            if repeats >= self._max_identical:
                hits.append(
                    Hit(
                        score=1.0,
                        detail=f"the same text was posted {repeats} time"
                        f"{'' if repeats == 1 else 's'} recently; "
                        f"{self._max_identical - 1} repeat"
                        f"{'' if self._max_identical == 2 else 's'} allowed",
                    )
                )
        return hits


class Flood(RuleKind):
    name = "flood"
    label = "Flood and rate limits"
    told_as = "posting rate"
    scope = "post"
    params_schema_help = (
        "per_minute / per_hour: posts allowed by trust level (a missing level uses the "
        "next lower listed one; levels 3-4 are unlimited unless listed); max_identical: "
        "how many times the same text may appear (0: no check); e.g. "
        '{"per_minute": {"0": 2, "1": 4, "2": 10}, "per_hour": {"0": 10, "1": 30, '
        '"2": 120}, "max_identical": 1}'
    )

    parameters = (
        LevelLimits(
            "per_minute",
            "Posts per minute",
            help='One "level: count" per line, e.g. "0: 2"; "none" for no limit.',
            levels=TRUST_LEVELS,
        ),
        LevelLimits(
            "per_hour",
            "Posts per hour",
            help='One "level: count" per line, e.g. "0: 10"; "none" for no limit.',
            levels=TRUST_LEVELS,
        ),
        Integer(
            "max_identical",
            "Same text at most",
            help="How many times the same text may appear recently; 0 or empty: no check.",
            default=0,
            minimum=0,
            maximum=1000,
            allow_none=True,
        ),
    )

    def check_params(self, values: dict[str, Any]) -> dict[str, Any]:
        values["max_identical"] = values["max_identical"] or 0
        if not values["per_minute"] and not values["per_hour"] and not values["max_identical"]:
            raise InvalidRuleParams(
                'this rule would never fire: set "per_minute", "per_hour" or "max_identical"'
            )
        return values

    def _compile(self, params: dict[str, Any]) -> CompiledFlood:
        return CompiledFlood(
            per_minute={int(level): limit for level, limit in params["per_minute"].items()},
            per_hour={int(level): limit for level, limit in params["per_hour"].items()},
            max_identical=params["max_identical"],
        )


register(Flood())
