"""The contract between rule kinds and whoever runs them.

A *rule kind* (watched words, links, flood...) validates a rule's parameters and
compiles them once into a *compiled rule*; the pipeline caches compiled rules per
(rule id, version) and asks each for its hits on a post. Paragraph-scoped compiled rules
look at one paragraph at a time, so an edit re-checks only the paragraphs that changed;
post-scoped ones see the whole post and a `CheckContext` of facts from the database.

Nothing here imports Django: rules are plain functions of their inputs.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final, Literal, Protocol, runtime_checkable

from moderation.content import Paragraph, PostContent
from moderation.rules.params import InvalidRuleParams, Param, read_params

__all__ = (
    "MAX_SPANS_PER_HIT",
    "RULE_KINDS",
    "TRUST_LEVELS",
    "CheckContext",
    "CompiledRule",
    "Hit",
    "InvalidRuleParams",
    "ParagraphRule",
    "PostRule",
    "RuleKind",
    "Span",
    "UnknownRuleKind",
    "get_kind",
    "register",
)

# Trust levels run from 0 (new) to 4, as on the accounts side.
TRUST_LEVELS: Final = range(5)

# Evidence is for a person to read: past this many places the point is made, and the
# stored verdict stays small however repetitive the post.
MAX_SPANS_PER_HIT: Final = 100

Scope = Literal["paragraph", "post"]


class UnknownRuleKind(LookupError):
    """No rule kind is registered under that name."""


@dataclass(frozen=True, slots=True)
class Span:
    """Evidence: `text` is `paragraphs[paragraph].text[start:end]` of the checked post."""

    paragraph: int
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One finding of one rule: how sure (0..1), where, and a short explanation."""

    score: float
    spans: tuple[Span, ...] = ()
    detail: str = ""


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What post-scoped rules need beyond the text, supplied by the caller.

    `author_recent_post_times` and `author_recent_text_hashes` cover the author's other
    recent posts (this one excluded); `similar_candidates` holds (post id, MinHash
    signature) of recent posts by anyone that share an LSH band with this one.
    """

    now: dt.datetime
    author_trust_level: int = 0
    author_visible_post_count: int = 0
    category_premoderated: bool = False
    author_recent_post_times: tuple[dt.datetime, ...] = ()
    author_recent_text_hashes: tuple[str, ...] = ()
    similar_candidates: tuple[tuple[int, tuple[int, ...]], ...] = ()


@runtime_checkable
class ParagraphRule(Protocol):
    """A compiled rule that judges one paragraph at a time.

    It may also have a `trigger_words` attribute: a frozenset of match keys (see
    forum.core.lookalikes) of which a paragraph's `normalized.word_set` must hold one for
    the rule to hit it, or None when any paragraph could be hit. Whoever runs many rules
    can then look each paragraph's words up once for all of them, instead of asking every
    rule; a rule without the attribute is asked about every paragraph.
    """

    def check_paragraph(self, paragraph: Paragraph) -> list[Hit]: ...


@runtime_checkable
class PostRule(Protocol):
    """A compiled rule that judges a whole post in its context."""

    def check_post(self, content: PostContent, context: CheckContext) -> list[Hit]: ...


CompiledRule = ParagraphRule | PostRule


class RuleKind(ABC):
    """A kind of rule: its parameters and how to compile them.

    Subclasses set the class attributes, declare their `parameters` and implement
    `_compile`; `check_params` adds what the declarations cannot say (checks across
    parameters). `compile` validates first, so parameters read back from the database
    can never reach a compiled rule unchecked.
    """

    name: ClassVar[str]
    label: ClassVar[str]
    # What a member whose post the rule held, hid or rejected is told of it: the kind of
    # check, never the rule's name or what it looks for.
    told_as: ClassVar[str] = "content"
    scope: ClassVar[Scope]
    params_schema_help: ClassVar[str]
    parameters: ClassVar[tuple[Param, ...]] = ()

    def validate_params(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Return the parameters normalised (defaults filled in), or raise
        InvalidRuleParams naming the offending keys."""
        return self.check_params(read_params(params, self.parameters))

    def check_params(self, values: dict[str, Any]) -> dict[str, Any]:
        """Refuse (InvalidRuleParams) or adjust parameter values that each passed their
        own declaration; by default they stand as read."""
        return values

    @abstractmethod
    def _compile(self, params: dict[str, Any]) -> CompiledRule:
        """Build the compiled rule from parameters that `validate_params` returned."""

    def compile(self, params: Mapping[str, Any]) -> CompiledRule:
        """Validate `params` and do the expensive preparation once; the result is
        immutable and safe to share between threads and posts."""
        return self._compile(self.validate_params(params))

    def __repr__(self) -> str:
        return f"<rule kind {self.name!r}>"


RULE_KINDS: dict[str, RuleKind] = {}


def register(kind: RuleKind) -> RuleKind:
    """Add `kind` to the registry under its name; registering a second, different kind
    under a taken name is a mistake and raises ValueError."""
    existing = RULE_KINDS.get(kind.name)
    if existing is not None and existing is not kind:
        raise ValueError(f"a rule kind named {kind.name!r} is already registered")
    RULE_KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> RuleKind:
    """The registered kind called `name`; UnknownRuleKind lists the known ones."""
    try:
        return RULE_KINDS[name]
    except KeyError:
        known = ", ".join(sorted(RULE_KINDS)) or "none"
        raise UnknownRuleKind(f"unknown rule kind {name!r} (known: {known})") from None
