"""Watched words, phrases and patterns, matched on normalised text.

Words match whole words only ("class" does not contain the word "ass"), after the
folding of forum.core.lookalikes on both sides, so "fr33", and "free" written in
fullwidth letters or with a Cyrillic "e", all match a watched "free". A word may
contain spaces: it is then a phrase, and any run of whitespace, underscores or hyphens
in the post matches each space ("buy_cheap_pills"). An underscore separates words as a
hyphen does. Spellings that take a word apart ("v i a g r a", "via🔥gra", "viiagra",
"vaigra") are found by moderation.rules.spellings; two of them are the rule's choice:
`transposed_letters` (on unless turned off) and `one_letter_off` (off unless turned on).

All the words of a rule are compiled once into a table from first word to one regular
expression for the terms starting with it. Checking a paragraph is one set operation
between that table's keys and the paragraph's words (computed once per paragraph and
shared by every rule); only the terms whose first word is present are searched for, so
a clean paragraph costs no scan at all, which is cheaper than even one combined pass.
The disguised spellings are looked for the same way: only where the paragraph's word
set holds a key one of them could have.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from forum.core.lookalikes import NormalizedText, fold_term, match_key
from moderation.content import Paragraph
from moderation.rules.base import (
    MAX_SPANS_PER_HIT,
    Hit,
    InvalidRuleParams,
    RuleKind,
    Span,
    register,
)
from moderation.rules.params import Boolean, Integer, Lines
from moderation.rules.patterns import UserPattern, compile_user_pattern
from moderation.rules.spellings import MIN_FUZZY_LETTERS, PHRASE_GAP, PIECE, Spellings

__all__ = ("CompiledWatchedWords", "WatchedWords")

MAX_WORDS: Final = 5000
MAX_PATTERNS: Final = 50
DEFAULT_PATTERN_TIMEOUT_MS: Final = 25


def _term_regex(folded: str) -> str:
    """The regex source for one folded term: i and l are one letter (see
    forum.core.lookalikes.match_key) and a space stands for any run of whitespace,
    underscores and hyphens."""
    pieces = []
    for char in folded:
        if char == " ":
            pieces.append(PHRASE_GAP.pattern)
        elif char in "il":
            pieces.append("[il]")
        else:
            pieces.append(re.escape(char))
    return "".join(pieces)


@dataclass(frozen=True)
class _TermGroup:
    """Terms that share a first word, as one regex (longest first, so a phrase wins
    over the single word it starts with)."""

    matcher: re.Pattern[str]
    # Match key (whitespace collapsed) → the term as the moderator wrote it.
    display: dict[str, str]

    def finditer(self, text: str) -> Iterator[tuple[int, int, str]]:
        """(start, end, term as written) of each whole-word match in folded `text`."""
        position = 0
        search = self.matcher.search
        while (match := search(text, position)) is not None:
            start, end = match.span()
            # The left word boundary is checked here, not in the regex: a leading
            # lookbehind would stop the engine from skipping ahead to the first letter.
            if start and text[start - 1].isalnum():
                position = start + 1
                continue
            yield start, end, self._term(match.group())
            position = end

    def _term(self, matched: str) -> str:
        if len(self.display) == 1:
            return next(iter(self.display.values()))
        # A phrase's words may be apart by underscores or hyphens, but a term may hold
        # a hyphen of its own ("e-mail"): the key as matched is tried first.
        term = self.display.get(match_key(" ".join(matched.split())))
        if term is None:
            term = self.display.get(match_key(" ".join(PHRASE_GAP.split(matched))), matched)
        return term


def _term_group(display: dict[str, str]) -> _TermGroup:
    alternatives = sorted(display, key=len, reverse=True)
    source = "|".join(_term_regex(term) for term in alternatives)
    return _TermGroup(re.compile(rf"(?:{source})(?![^\W_])"), display)


@dataclass(frozen=True)
class _Terms:
    """The compiled words of one rule, grouped by first word: a paragraph is searched
    only for the terms whose first word it contains (a set intersection against the
    paragraph's words, which every rule shares), so a clean paragraph costs no scan."""

    by_first_word: dict[str, _TermGroup]
    first_words: frozenset[str]
    # Terms that start with a non-word character ("$$$") defeat the first-word test.
    unanchored: _TermGroup | None

    def could_match(self, normalized: NormalizedText) -> bool:
        return self.unanchored is not None or not self.first_words.isdisjoint(normalized.word_set)

    def finditer(self, normalized: NormalizedText) -> Iterator[tuple[int, int, str]]:
        present = self.first_words.intersection(normalized.word_set)
        # Sorted: set order varies between processes, evidence order should not.
        for first_word in sorted(present):
            yield from self.by_first_word[first_word].finditer(normalized.text)
        if self.unanchored is not None:
            yield from self.unanchored.finditer(normalized.text)


def _folded_terms(words: list[str]) -> dict[str, tuple[str, str]]:
    """Match key → (the term as the moderator wrote it, folded with whitespace collapsed),
    the first term written for each key."""
    terms: dict[str, tuple[str, str]] = {}
    for word in words:
        folded = " ".join(fold_term(word).split())
        terms.setdefault(match_key(folded), (word, folded))
    return terms


def _compile_terms(terms: dict[str, tuple[str, str]]) -> _Terms:
    grouped: dict[str | None, dict[str, str]] = {}
    for key, (word, _) in terms.items():
        first = PIECE.match(key)
        grouped.setdefault(first.group() if first else None, {})[key] = word
    unanchored = grouped.pop(None, None)
    by_first_word = {first: _term_group(display) for first, display in grouped.items() if first}
    return _Terms(
        by_first_word=by_first_word,
        first_words=frozenset(by_first_word),
        unanchored=_term_group(unanchored) if unanchored else None,
    )


class CompiledWatchedWords:
    """A compiled watched-words rule: paragraph scope, and usable by censor_html."""

    def __init__(
        self,
        words: list[str],
        patterns: list[UserPattern],
        pattern_timeout: float,
        *,
        transposed_letters: bool = True,
        one_letter_off: bool = False,
    ) -> None:
        terms = _folded_terms(words)
        self._terms = _compile_terms(terms)
        self._spellings = Spellings(
            list(terms.values()),
            transposed_letters=transposed_letters,
            one_letter_off=one_letter_off,
        )
        self._patterns = tuple(patterns)
        self._pattern_timeout = pattern_timeout
        # A paragraph without one of the terms' first words, or a key a disguised
        # spelling of one could have, cannot be hit, unless a pattern, a term that
        # starts with a non-word character or a letter off could match it.
        spelling_keys = self._spellings.trigger_keys
        self.trigger_words: frozenset[str] | None = (
            self._terms.first_words | spelling_keys
            if not self._patterns and self._terms.unanchored is None and spelling_keys is not None
            else None
        )

    def _word_matches(self, normalized: NormalizedText) -> dict[str, list[tuple[int, int]]]:
        """Matched term (as written by the moderator) → original-text ranges, in order."""
        found: dict[str, set[tuple[int, int]]] = {}
        if self._terms.could_match(normalized):
            for start, end, term in self._terms.finditer(normalized):
                found.setdefault(term, set()).add((start, end))
        for start, end, term in self._spellings.find(normalized):
            found.setdefault(term, set()).add((start, end))
        return {
            term: [normalized.original_span(start, end) for start, end in sorted(places)]
            for term, places in found.items()
        }

    def _pattern_matches(
        self, pattern: UserPattern, normalized: NormalizedText
    ) -> list[tuple[int, int]] | None:
        """Original-text ranges of the pattern's non-empty matches; None on timeout."""
        if not pattern.could_match(normalized.text):
            return []
        ranges = []
        try:
            for match in pattern.compiled.finditer(normalized.text, timeout=self._pattern_timeout):
                if match.end() > match.start():
                    ranges.append(normalized.original_span(*match.span()))
        except TimeoutError:
            return None
        return ranges

    def ranges(self, normalized: NormalizedText) -> list[tuple[int, int]]:
        """Every original-text range that a word or pattern matches (patterns that
        time out contribute nothing). For censoring."""
        found = [span for spans in self._word_matches(normalized).values() for span in spans]
        for pattern in self._patterns:
            found.extend(self._pattern_matches(pattern, normalized) or ())
        return found

    def check_paragraph(self, paragraph: Paragraph) -> list[Hit]:
        """One hit per matched word (all its places as spans) and per matching pattern;
        a pattern that runs out of time gives a hit of score 0 saying so."""
        normalized = paragraph.normalized
        hits = [
            Hit(score=1.0, spans=_spans(paragraph, ranges), detail=f'watched word "{term}"')
            for term, ranges in self._word_matches(normalized).items()
        ]
        for pattern in self._patterns:
            ranges = self._pattern_matches(pattern, normalized)
            if ranges is None:
                hits.append(Hit(score=0.0, detail=f'pattern timed out: "{pattern.source}"'))
            elif ranges:
                hits.append(
                    Hit(
                        score=1.0,
                        spans=_spans(paragraph, ranges),
                        detail=f'watched pattern "{pattern.source}"',
                    )
                )
        return hits


def _spans(paragraph: Paragraph, ranges: list[tuple[int, int]]) -> tuple[Span, ...]:
    return tuple(
        Span(paragraph.index, start, end, paragraph.text[start:end])
        for start, end in ranges[:MAX_SPANS_PER_HIT]
    )


def _visible_once_folded(word: str, key: str) -> str:
    if not fold_term(word).strip():
        raise InvalidRuleParams(
            f'"{key}" ({word!r}) has no visible characters once normalised, so it could never match'
        )
    return word


def _compiles(source: str, key: str) -> str:
    compile_user_pattern(source, key=key)
    return source


class WatchedWords(RuleKind):
    name = "watched_words"
    label = "Watched words and patterns"
    told_as = "wording"
    scope = "paragraph"
    params_schema_help = (
        "words: whole words or phrases, matched after folding look-alikes, accents, case "
        "and leetspeak, and also when spelled out (v i a g r a), broken by symbols or "
        "with letters repeated; patterns (optional): regular expressions matched against "
        "that folded text; transposed_letters (default true): words of "
        f"{MIN_FUZZY_LETTERS}+ letters also match with two neighbouring letters swapped; "
        f"one_letter_off (default false): words of {MIN_FUZZY_LETTERS}+ letters also "
        "match with one letter wrong, missing or extra; "
        'e.g. {"words": ["viagra", "casino bonus"], '
        '"patterns": ["bit\\\\.ly/\\\\w+"], "one_letter_off": true}'
    )

    parameters = (
        Lines(
            "words",
            "Words and phrases",
            help="One per line; matched as whole words after folding look-alikes, accents, "
            "case and leetspeak.",
            max_items=MAX_WORDS,
            max_length=200,
            check_item=_visible_once_folded,
        ),
        Lines(
            "patterns",
            "Patterns",
            help="Regular expressions, one per line, matched against the folded text "
            "(write them in lower case, without accents).",
            max_items=MAX_PATTERNS,
            max_length=10_000,
            check_item=_compiles,
        ),
        Integer(
            "pattern_timeout_ms",
            "Pattern time limit (ms)",
            help="How long a pattern may run on one paragraph before it is reported as timed out.",
            default=DEFAULT_PATTERN_TIMEOUT_MS,
            minimum=1,
            maximum=1000,
        ),
        Boolean(
            "transposed_letters",
            "Catch swapped letters",
            help=f"Words of {MIN_FUZZY_LETTERS} or more letters also match with two "
            "neighbouring letters swapped (viagar). Turn off for a list whose words become "
            "everyday words that way (causal, untied).",
            default=True,
        ),
        Boolean(
            "one_letter_off",
            "Catch one letter off",
            help=f"Words of {MIN_FUZZY_LETTERS} or more letters also match with one letter "
            "wrong, missing or extra. Catches more, and also real words close to made-up "
            "ones: only for lists that can stand it.",
            default=False,
        ),
    )

    def check_params(self, values: dict[str, Any]) -> dict[str, Any]:
        if not values["words"] and not values["patterns"]:
            raise InvalidRuleParams('give at least one entry in "words" or "patterns"')
        return values

    def _compile(self, params: dict[str, Any]) -> CompiledWatchedWords:
        patterns = [
            compile_user_pattern(source, key=f"patterns[{position}]")
            for position, source in enumerate(params["patterns"])
        ]
        return CompiledWatchedWords(
            params["words"],
            patterns,
            params["pattern_timeout_ms"] / 1000,
            transposed_letters=params["transposed_letters"],
            one_letter_off=params["one_letter_off"],
        )


register(WatchedWords())
