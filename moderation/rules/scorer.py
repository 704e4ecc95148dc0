"""Scorers: anything that rates a paragraph from 0 (fine) to 1 (bad), behind one
interface, so that a trained classifier can join later as one more registered scorer
without the pipeline or the rule changing.

The built-in `HeuristicScorer` looks for the marks of spam: shouting, stretched
letters and punctuation, piles of links or addresses, and stock spam phrases. Each
signal alone stays under the usual thresholds; together they cross them.
"""

from __future__ import annotations

import re
import string
from functools import lru_cache
from typing import Any, Final, Protocol, runtime_checkable

from moderation.content import Paragraph
from moderation.rules.base import (
    MAX_SPANS_PER_HIT,
    Hit,
    InvalidRuleParams,
    RuleKind,
    Span,
    register,
)
from moderation.rules.params import Choice, Number

__all__ = (
    "SCORERS",
    "SPAM_PHRASES",
    "CompiledScorerRule",
    "HeuristicScorer",
    "Scorer",
    "ScorerRule",
    "get_scorer",
    "register_scorer",
)

Ranges = tuple[tuple[int, int], ...]


@runtime_checkable
class Scorer(Protocol):
    """Rates one paragraph's text.

    `score` returns a number from 0 to 1 and the (start, end) ranges of `text` that
    drove it (may be empty). It must be pure and thread-safe: compiled rules sharing a
    scorer run in several worker threads.
    """

    name: str

    def score(self, text: str) -> tuple[float, Ranges]: ...


SCORERS: dict[str, Scorer] = {}


def register_scorer(scorer: Scorer) -> Scorer:
    """Make `scorer` available to scorer rules under its name (replacing any previous
    scorer of that name, so a deployment can swap in a better one)."""
    if not isinstance(scorer, Scorer):
        raise TypeError(f"{scorer!r} does not provide name and score(text)")
    SCORERS[scorer.name] = scorer
    return scorer


def get_scorer(name: str) -> Scorer:
    try:
        return SCORERS[name]
    except KeyError:
        known = ", ".join(sorted(SCORERS)) or "none"
        raise InvalidRuleParams(f'"scorer": unknown scorer {name!r} (known: {known})') from None


SPAM_PHRASES: Final = (
    "buy now", "click here", "work from home", "100% free", "act now", "order now",
    "call now", "limited time offer", "make money fast", "earn money online",
    "risk free", "no credit check", "double your income", "free gift", "you have won",
    "claim your prize", "cheap meds", "best price guaranteed", "visit our website",
    "lose weight fast", "increase your sales", "satisfaction guaranteed", "100% guaranteed",
    "dm me for", "whatsapp me",
)  # fmt: skip

# Each signal has a substring test in front of its regex: most paragraphs fail the
# test, and a substring search costs a fraction of a regex scan.
_SHOUTING: Final = re.compile(r"[A-Z][A-Z'\u2019]+(?:[^\w\n]+[A-Z][A-Z'\u2019]+){2,}(?!\w)")
_TWO_CAPITALS: Final = re.compile(r"[A-Z]{2}")
_STRETCH_RUNS: Final = (*(letter * 4 for letter in string.ascii_lowercase), "!!!", "???", "$$$")
_STRETCHED: Final = re.compile(r"([a-z])\1{3,}|([!?$])\2{2,}")
_URL: Final = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL_DOMAIN: Final = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LOCAL_CHARACTERS: Final = frozenset(string.ascii_letters + string.digits + "._+-")
_PHRASE: Final = re.compile(
    r"(?<!\w)(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in SPAM_PHRASES) + r")(?!\w)"
)

Signal = tuple[float, list[tuple[int, int]]]


def _shouting(text: str) -> Signal | None:
    if _TWO_CAPITALS.search(text) is None:
        return None
    runs = [
        match.span()
        for match in _SHOUTING.finditer(text)
        if match.start() == 0 or not text[match.start() - 1].isalnum()
    ]
    if not runs:
        return None
    letters = sum(map(str.isalpha, text))
    shouted = sum(end - start for start, end in runs)
    # At most 0.6: shouting alone is rude, not spam.
    return 0.6 * min(1.0, 1.5 * shouted / max(letters, 1)), runs


def _stretched(lower: str) -> Signal | None:
    if not any(map(lower.__contains__, _STRETCH_RUNS)):
        return None
    runs = [match.span() for match in _STRETCHED.finditer(lower)]
    return min(0.5, 0.2 * len(runs)), runs


def _email_start(lower: str, at: int) -> int:
    start = at
    while start > 0 and lower[start - 1] in _EMAIL_LOCAL_CHARACTERS:
        start -= 1
    return start


def _addresses(lower: str) -> Signal | None:
    found = []
    if "://" in lower or "www." in lower:
        found.extend(match.span() for match in _URL.finditer(lower))
    if "@" in lower:
        for match in _EMAIL_DOMAIN.finditer(lower):
            start = _email_start(lower, match.start())
            if start < match.start():
                found.append((start, match.end()))
    if len(found) < 2:
        return None
    # Two links is a citation; five is a list of offers.
    return min(0.65, 0.15 * (len(found) - 1)), found


def _phrases(lower: str) -> Signal | None:
    squashed = " ".join(lower.split())
    if not any(map(squashed.__contains__, SPAM_PHRASES)):
        return None
    found = [match.span() for match in _PHRASE.finditer(lower)]
    if not found:
        return None
    return min(0.65, 0.35 * len(found)), found


def _noisy_or(strengths: list[float]) -> float:
    """Combine independent signals: each closes part of the remaining gap to 1."""
    remaining = 1.0
    for strength in strengths:
        remaining *= 1.0 - min(max(strength, 0.0), 1.0)
    return 1.0 - remaining


@lru_cache(maxsize=4096)
def _heuristic(text: str) -> tuple[float, Ranges]:
    # U+0130 is the one character that lower() lengthens; folding it first keeps every
    # offset in `lower` valid in `text`.
    lower = text.replace("\u0130", "i").lower()
    signals = [
        signal
        for signal in (_shouting(text), _stretched(lower), _addresses(lower), _phrases(lower))
        if signal is not None
    ]
    score = _noisy_or([strength for strength, _ in signals])
    return score, tuple(sorted(span for _, spans in signals for span in spans))


class HeuristicScorer:
    """Shouting, stretched characters, many links or e-mail addresses in one paragraph,
    and stock spam phrases, combined by noisy-OR into 0..1. Results are memoised by text,
    so several rules using this scorer cost one evaluation per paragraph."""

    name = "heuristic"

    def score(self, text: str) -> tuple[float, Ranges]:
        return _heuristic(text)


register_scorer(HeuristicScorer())


class CompiledScorerRule:
    """A compiled scorer rule (paragraph scope)."""

    def __init__(self, *, scorer: Scorer, threshold: float) -> None:
        self._scorer = scorer
        self._threshold = threshold

    def check_paragraph(self, paragraph: Paragraph) -> list[Hit]:
        score, ranges = self._scorer.score(paragraph.text)
        if score < self._threshold:
            return []
        length = len(paragraph.text)
        spans = tuple(
            Span(paragraph.index, start, end, paragraph.text[start:end])
            for start, end in ranges
            if 0 <= start < end <= length
        )[:MAX_SPANS_PER_HIT]
        return [
            Hit(
                score=min(1.0, float(score)),
                spans=spans,
                detail=f'scorer "{self._scorer.name}" gave {score:.2f} '
                f"(threshold {self._threshold:.2f})",
            )
        ]


class ScorerRule(RuleKind):
    name = "scorer"
    label = "Scorer (heuristics or a classifier)"
    told_as = "content scoring"
    scope = "paragraph"
    params_schema_help = (
        "scorer: the name of a registered scorer; threshold: the score (0-1) from which "
        'a paragraph is hit; e.g. {"scorer": "heuristic", "threshold": 0.7}'
    )

    parameters = (
        Choice(
            "scorer",
            "Scorer",
            help="The registered scorer that rates each paragraph.",
            default="heuristic",
            choices=lambda: sorted(SCORERS),
        ),
        Number(
            "threshold",
            "Threshold",
            help="The score (0-1) from which a paragraph is hit.",
            default=0.7,
            minimum=0.01,
            maximum=1.0,
        ),
    )

    def _compile(self, params: dict[str, Any]) -> CompiledScorerRule:
        return CompiledScorerRule(
            scorer=get_scorer(params["scorer"]), threshold=params["threshold"]
        )


register(ScorerRule())
