"""Finding watched words in the spellings evasions give them, beyond look-alike letters.

Watched words match their plain spelling by regular expression (see watched_words);
this module finds the others, among the words of the folded text and the words it
writes in pieces (forum.core.lookalikes.NormalizedText.joined_words):

- letters spelled out one at a time ("v i a g r a", "v.i.a.g.r.a", "v/i/a/g/r/a") and
  words broken by symbols ("via🔥gra");
- repeated letters ("viiagra", "vvviagra", "viagraa"): the written word must hold every
  letter of the watched word at least as many times in a row, so "as" is not "ass"
  stretched, and a letter English often doubles must be written three times ("looser"
  is a word of its own, "looooser" is "loser");
- with `transposed_letters`, two neighbouring letters swapped ("vaigra", "viagar");
- with `one_letter_off`, one letter wrong, missing or extra ("viagre", "vigra", "viagora").

The last two apply only to watched words of at least MIN_FUZZY_LETTERS letters: shorter
words are one slip away from too many ordinary ones. The words of a phrase may be
spelled any of these ways, and joined by whitespace, underscores or hyphens.

Nothing here scans the text per watched word. A rule's words are indexed once by every
key a disguised spelling of their first word can have (its match key, its stretched key,
its transpositions, its one-letter deletions); a paragraph is walked only when one of
those keys is in its word set, and the walk looks each word up in that index. One
letter off needs the paragraph's side too (a symmetric-deletion index: a word one edit
from a watched word shares a one-letter deletion with it, or is one), so a rule with it
looks at the one-letter deletions of the paragraph's words whose length is within one of
a watched first word's, and is asked about every paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Final

from forum.core.lookalikes import (
    STRETCHED_MARK,
    NormalizedText,
    WordForm,
    match_key,
    stretched_key,
)

__all__ = ("MIN_FUZZY_LETTERS", "PHRASE_GAP", "PIECE", "Spellings")

MIN_FUZZY_LETTERS: Final = 6
# How many words far from every watched word a rule with one letter off remembers.
_FAR_WORDS_LIMIT: Final = 100_000

# Letters English seldom writes twice in a row: doubling one is a stretch, not a word.
_RARELY_DOUBLED: Final = frozenset("ahijkquvwxy")

# What may stand between two words of a phrase.
PHRASE_GAP: Final = re.compile(r"[\s_-]+")
# A run of letters and digits, a word as far as disguises go: a word of a watched term
# must be one to be spelled any other way than as written ("c++", "e-mail").
PIECE: Final = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class _Word:
    letters: str
    key: str
    stretched: str


@dataclass(frozen=True, slots=True)
class _Term:
    written: str
    words: tuple[_Word, ...]


def _term(written: str, folded: str) -> _Term | None:
    words = folded.split()
    if not words or not all(PIECE.fullmatch(word) for word in words):
        return None
    return _Term(
        written, tuple(_Word(word, match_key(word), stretched_key(word)) for word in words)
    )


def _deletions(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


def _transpositions(key: str) -> set[str]:
    swapped = {key[:i] + key[i + 1] + key[i] + key[i + 2 :] for i in range(len(key) - 1)}
    swapped.discard(key)
    return swapped


def _is_stretched(written: str, watched: str) -> bool:
    """Whether `written` is `watched` with some of its letters repeated: every run of one
    letter at least as long, and a longer run of the very same letter (l and i are one
    letter only where the runs are as long: "all" is not "ai" stretched). A letter that
    English often doubles, written twice where `watched` has it once, spells another word
    more often than it disguises one (loser and looser, super and supper, god and good):
    it counts from three times on."""
    written_runs = [(letter, len(list(run))) for letter, run in groupby(written)]
    watched_runs = [(letter, len(list(run))) for letter, run in groupby(watched)]
    if len(written_runs) != len(watched_runs) or written == watched:
        return False
    for (letter, count), (watched_letter, watched_count) in zip(
        written_runs, watched_runs, strict=True
    ):
        if count > watched_count:
            if letter != watched_letter or not letter.isalpha():
                return False
            if count == 2 and letter not in _RARELY_DOUBLED:
                return False
        elif count < watched_count or match_key(letter) != match_key(watched_letter):
            return False
    return True


def _is_transposition(written: str, watched: str) -> bool:
    if len(written) != len(watched):
        return False
    differences = [i for i, (a, b) in enumerate(zip(written, watched, strict=True)) if a != b]
    return (
        len(differences) == 2
        and differences[1] == differences[0] + 1
        and written[differences[0]] == watched[differences[1]]
        and written[differences[1]] == watched[differences[0]]
    )


def _is_one_edit(written: str, watched: str) -> bool:
    """Whether one substitution, insertion or deletion turns `written` into `watched`."""
    shorter, longer = sorted((written, watched), key=len)
    if len(longer) - len(shorter) > 1 or written == watched:
        return False
    first_difference = next(
        (i for i, (a, b) in enumerate(zip(shorter, longer, strict=False)) if a != b),
        len(shorter),
    )
    if len(shorter) == len(longer):
        return shorter[first_difference + 1 :] == longer[first_difference + 1 :]
    return shorter[first_difference:] == longer[first_difference + 1 :]


class Spellings:
    """The disguised spellings of one rule's watched words (see the module docstring)."""

    def __init__(
        self, terms: list[tuple[str, str]], *, transposed_letters: bool, one_letter_off: bool
    ) -> None:
        """`terms` are (as the moderator wrote it, folded with whitespace collapsed)."""
        self._transposed_letters = transposed_letters
        self._one_letter_off = one_letter_off
        self._terms = tuple(term for written, folded in terms if (term := _term(written, folded)))
        # Key → the terms whose first word a word of that key may spell.
        index: dict[str, list[_Term]] = {}
        # The keys a paragraph's word set must hold for the walk to find anything; the
        # first words' own keys need the walk only where the text shows an evasion.
        first_keys: set[str] = set()
        disguised_keys: set[str] = set()
        later_keys: set[str] = set()
        later_disguised_keys: set[str] = set()
        for term in self._terms:
            first, *later = term.words
            first_keys.add(first.key)
            for key in self._disguises(first):
                disguised_keys.add(key)
                index.setdefault(key, []).append(term)
            index.setdefault(first.key, []).append(term)
            for word in later:
                later_keys.add(word.key)
                later_disguised_keys.update(self._disguises(word))
            if one_letter_off and len(first.key) >= MIN_FUZZY_LETTERS:
                for key in _deletions(first.key):
                    index.setdefault(key, []).append(term)
        self._index = index
        self._first_keys = frozenset(first_keys)
        self._disguised_keys = frozenset(disguised_keys - first_keys)
        self._phrase_first_keys = frozenset(t.words[0].key for t in self._terms if len(t.words) > 1)
        self._later_keys = frozenset(later_keys)
        self._later_disguised_keys = frozenset(later_disguised_keys)
        longest = max((len(term.words[0].key) for term in self._terms), default=0)
        self._edit_lengths = range(MIN_FUZZY_LETTERS - 1, longest + 2)
        # Shared by the threads that use this compiled rule: adding to a set is atomic.
        self._far_words: set[str] = set()
        self.trigger_keys: frozenset[str] | None = (
            None if one_letter_off else self._first_keys | self._disguised_keys
        )

    def _disguises(self, word: _Word) -> set[str]:
        keys = {word.stretched}
        if self._transposed_letters and len(word.key) >= MIN_FUZZY_LETTERS:
            keys.update(_transpositions(word.key))
        return keys

    def _piece_keys(self, normalized: NormalizedText) -> set[str]:
        """The keys (match keys, or stretched keys) of the words written plainly in
        `normalized` that may start a watched term in a disguised spelling: found with
        set operations on its word set, so an ordinary paragraph yields none."""
        word_set = normalized.word_set
        keys = _disguises_present(self._disguised_keys, self._first_keys, normalized)
        phrase_firsts = self._phrase_first_keys.intersection(word_set)
        if phrase_firsts and (
            self._one_letter_off
            or not self._later_keys.isdisjoint(normalized.variant_keys)
            or _disguises_present(self._later_disguised_keys, self._later_keys, normalized)
        ):
            keys.update(phrase_firsts)
        if self._one_letter_off:
            keys.update(self._one_letter_off_words(word_set))
        return keys

    def _one_letter_off_words(self, word_set: frozenset[str]) -> Iterator[str]:
        """The words of `word_set` one letter off a watched first word (or on it).

        Words recur from post to post, so the words found far from every watched word
        are remembered (until there are many) and skipped with one set difference."""
        if len(self._far_words) > _FAR_WORDS_LIMIT:
            self._far_words.clear()
        index = self._index
        for word in word_set.difference(self._far_words):
            if len(word) in self._edit_lengths and (
                word in index or any(key in index for key in _deletions(word))
            ):
                yield word
            else:
                self._far_words.add(word)

    def spells(self, form: WordForm, word: _Word) -> bool:
        """Whether `form`, as written, is one of the spellings of `word` this rule takes."""
        if form.key == word.key:
            return True
        if form.stretched == word.stretched and _is_stretched(form.letters, word.letters):
            return True
        if len(word.key) < MIN_FUZZY_LETTERS or abs(len(form.key) - len(word.key)) > 1:
            return False
        return (self._transposed_letters and _is_transposition(form.key, word.key)) or (
            self._one_letter_off and _is_one_edit(form.key, word.key)
        )

    def _terms_starting(self, form: WordForm) -> Iterator[_Term]:
        keys = [form.key, form.stretched]
        if self._one_letter_off and len(form.key) >= MIN_FUZZY_LETTERS - 1:
            keys.extend(_deletions(form.key))
        seen: set[_Term] = set()
        for key in keys:
            for term in self._index.get(key, ()):
                if term not in seen and self.spells(form, term.words[0]):
                    seen.add(term)
                    yield term

    def find(self, normalized: NormalizedText) -> Iterator[tuple[int, int, str]]:
        """(start, end, term as written) in the folded text of each place a watched
        word is spelled in one of the ways above (the plain spelling included)."""
        if not self._terms:
            return
        keys = self._piece_keys(normalized)
        if not keys and not normalized.joined_words:
            return
        forms = _FormsAt(normalized)
        starts = [*normalized.joined_words, *_pieces_with(keys, normalized.text)]
        for form in sorted(starts, key=lambda form: (form.start, form.end)):
            for term in self._terms_starting(form):
                end = self._phrase_end(term, 1, form, forms)
                if end is not None:
                    yield form.start, end, term.written

    def _phrase_end(
        self, term: _Term, position: int, previous: WordForm, forms: _FormsAt
    ) -> int | None:
        """Where `term` ends if its words from `position` on follow `previous` (which
        spelled the word before), or None."""
        if position == len(term.words):
            return previous.end
        if not previous.closes:
            return None
        for form in forms.after(previous.end):
            if form.opens and self.spells(form, term.words[position]):
                end = self._phrase_end(term, position + 1, form, forms)
                if end is not None:
                    return end
        return None


class _FormsAt:
    """The words of a paragraph that start where a phrase could go on, found on demand
    and kept: the words of a phrase are looked for after the same place once for every
    term that starts there."""

    def __init__(self, normalized: NormalizedText) -> None:
        self._text = normalized.text
        self._joined: dict[int, list[WordForm]] = {}
        for form in normalized.joined_words:
            self._joined.setdefault(form.start, []).append(form)
        self._after: dict[int, list[WordForm]] = {}

    def after(self, end: int) -> list[WordForm]:
        """The words that follow a word ending at `end` across a phrase gap."""
        following = self._after.get(end)
        if following is None:
            following = self._after[end] = []
            gap = PHRASE_GAP.match(self._text, end)
            if gap is not None:
                following.extend(self._joined.get(gap.end(), ()))
                if piece := PIECE.match(self._text, gap.end()):
                    following.append(WordForm.of(piece.group(), piece.start(), piece.end()))
        return following


def _disguises_present(
    disguises: frozenset[str], plain: frozenset[str], normalized: NormalizedText
) -> set[str]:
    """Those of `disguises` that `normalized` holds, less the stretched keys that only
    words spelled plainly (`plain`) brought along: as l and i are one letter in a match
    key, "limited" itself has the stretched key of "liimited"."""
    present = set(disguises.intersection(normalized.word_set))
    if present:
        stretched_words = normalized.stretched_words
        present = {
            key
            for key in present
            if key not in stretched_words or not plain.issuperset(stretched_words[key])
        }
    return present


def _key_pattern(key: str) -> str:
    """Regex source for the folded spellings of a match key (i stands for i or l); for a
    stretched key, with each letter written once or more."""
    stretched = key.startswith(STRETCHED_MARK)
    repeat = "+" if stretched else ""
    letters = key[1:] if stretched else key
    return "".join(("[il]" if char == "i" else re.escape(char)) + repeat for char in letters)


def _pieces_with(keys: set[str], text: str) -> Iterator[WordForm]:
    """The runs of letters and digits of `text` whose match key or stretched key is in
    `keys`, as written."""
    if not keys:
        return
    source = "|".join(_key_pattern(key) for key in sorted(keys, key=len, reverse=True))
    for match in re.finditer(rf"(?:{source})(?![^\W_])", text):
        start = match.start()
        if start and text[start - 1].isalnum():
            continue
        yield WordForm.of(match.group(), start, match.end())
