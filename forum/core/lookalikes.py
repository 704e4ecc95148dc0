"""Folding text into a matching key that look-alike spellings cannot slip past.

`normalize_for_matching` turns "FR33", "free" in fullwidth letters or with a Cyrillic
"e", "f\u200bree" and "Frée" into "free", and remembers where every folded character
came from, so a match found in the folded text can be reported as a span of the text
the author actually wrote.

The folding, in order:

1. per character (context-free): format characters (zero-width space and joiners, word
   joiner, BOM, soft hyphen, bidi controls: Unicode category Cf) are dropped; non-ASCII
   characters go through NFKC (fullwidth and mathematical letters become plain ones),
   a small table of Cyrillic, Greek and Armenian look-alikes, casefolding, and loss of
   their combining marks (accents); ASCII is lowercased.
2. leetspeak, with context so that numbers and punctuation survive: a digit run that
   shares a word with a letter folds 0→o 1→i 3→e 4→a 5→s 7→t 8→b ("fr33", "h4ck3r"),
   while "2024" and "100%" stay as they are; a run of the symbols @→a $→s !→i |→l
   folds only between two word characters ("sp@m", "v!agra", "he||o"), and a lone "$"
   also at the start of a word that has a letter in it ("$pam"), so "spam!" and
   "@alice" keep their punctuation and word boundaries.

Every step maps one character to one character except step 1, which may drop a
character or expand it ("ﬁ" → "fi", "ß" → "ss"); the origin map records those.

The letter l and the letter i are kept apart in `NormalizedText.text` (a pattern such as
"hello" still reads naturally), but "1" and "|" are ambiguous between them, so
`match_key` folds l into i: watched words are compared on their match keys, and a
watched word's regex treats i and l as one letter. The cost is that "lit" and "iit"
count as the same word, which no real watch list is hurt by.

Some evasions take a word apart rather than change its letters. The folded text also
offers, as `NormalizedText.joined_words`, the words it writes in pieces: letters spelled
out one at a time ("v i a g r a", "v.i.a.g.r.a", "U.S.A.": runs of three or more single
letters or digits, a few separators apart on one line) and words broken by symbols
("via🔥gra"). Its `word_set` holds their keys next to the plain words' keys, and the
`stretched_key` of every word that repeats a letter ("viiagra" and "viagra" share
"~viagra"), so that a rule can tell from one set operation whether a paragraph could
hold a disguised spelling of one of its words.
"""

# The look-alike table is made of look-alikes on purpose.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

__all__ = (
    "STRETCHED_MARK",
    "WORD",
    "NormalizedText",
    "WordForm",
    "fold_term",
    "match_key",
    "normalize_for_matching",
    "stretched_key",
)

# Word characters in the folded text: what whole-word matching and shingling split on.
WORD: Final = re.compile(r"\w+")

_CONFUSABLES: Final[dict[str, str]] = {
    # Cyrillic, both cases: the upper case forms matter because casefolding would
    # otherwise turn a Cyrillic "Н" (an H look-alike) into "н" (no longer one).
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "У": "y", "Х": "x", "І": "i", "Ј": "j", "Ѕ": "s", "Ԁ": "d",
    "Ԛ": "q", "Ԝ": "w", "Һ": "h", "Ӏ": "l",
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ԍ": "g", "ь": "b", "п": "n", "г": "r",
    # Greek, both cases for the same reason (capital eta is an H, small eta an n).
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "σ": "o", "ς": "s", "τ": "t", "υ": "u", "χ": "x",
    "ω": "w",
    # Latin letters that are not ASCII but read as ASCII.
    "ı": "i", "ɑ": "a", "ɡ": "g", "ɩ": "i", "ʟ": "l", "ᴀ": "a", "ᴄ": "c", "ᴇ": "e",
    "ᴏ": "o", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ʏ": "y",
    # Armenian.
    "օ": "o", "ս": "u", "հ": "h", "ց": "g", "ո": "n",
    # Typographic punctuation to its ASCII form: not an evasion, but it keeps most
    # folded prose pure ASCII, which the fast paths below rely on.
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "‟": '"',
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-",
}  # fmt: skip

_LEET_DIGITS: Final = str.maketrans("0134578", "oieastb")
_LEET_SYMBOLS: Final = {"@": "a", "$": "s", "!": "i", "|": "l"}

# Patterns that start with a character class let the regex engine skip ahead fast;
# the context each fold needs is checked in the callback, which runs only on the rare
# candidates.
_MAYBE_LEET: Final = re.compile(r"[0-9@!|$]")
_SYMBOLS: Final = re.compile(r"[@!|$]+(?=\w)")
_DIGITS_TO_WORD_END: Final = re.compile(r"\d\w*")
_LETTER: Final = re.compile(r"[^\W\d_]")
_LETTER_AFTER_DIGITS: Final = re.compile(r"\d*[^\W\d_]")
_NON_ASCII_RUN: Final = re.compile(r"[^\x00-\x7f]+")

# ASCII non-word characters become spaces (and l becomes i, see `match_key`), so a
# folded ASCII paragraph splits into its match keys without a regex.
_ASCII_WORD_KEYS: Final = str.maketrans(
    {
        **{code: " " for code in range(128) if not (chr(code).isalnum() or chr(code) == "_")},
        ord("l"): "i",
    }
)


# Evasions that break a word into pieces (see `NormalizedText.joined_words`).
# Letters written one at a time: three or more single letters or digits, each apart from
# the next by one to three characters on the same line that are neither letters, digits
# nor an apostrophe ("v i a g r a", "v.i.a.g.r.a", "v_i_a_g_r_a", "U.S.A."). Two are not
# enough ("e.g.", "a b"), and an apostrophe never separates, so the "s" of "it's" does
# not start a run.
_SPELLED_OUT: Final = re.compile(
    r"(?<![^\W_])(?<!')[^\W_](?:(?:[^\w\n']|_){1,3}[^\W_](?![^\W_])){2,}"
)
# Symbols inside a word ("via🔥gra", "sp*m"): anything but a letter, digit, whitespace,
# hyphen or the punctuation of ordinary prose, which people write between words (the
# slash, ampersand and percent sign among it: "and/or", "R&D", "5%off").
_INNER_SYMBOLS: Final = r"[^\w\s.,;:!?'\"()\[\]{}<>/&%-]"
_INNER_SYMBOL: Final = re.compile(_INNER_SYMBOLS)
_ASCII_INNER_SYMBOLS: Final = tuple("#$*+=@\\^`|~")
_SYMBOL_JOINED: Final = re.compile(rf"(?<![^\W_])[^\W_]+(?:{_INNER_SYMBOLS}{{1,4}}[^\W_]+)+")
# One-letter words, which may stand next to a spelled-out word ("a v i a g r a").
_ONE_LETTER_WORDS: Final = frozenset("ai")
# A letter written more than once in a row ("viiagra"); digits are left alone.
_REPEATED_LETTER: Final = re.compile(r"([^\W\d_])\1+")
# Marks a key made from a word with its repeated letters squeezed: match keys never
# contain it, so a squeezed key cannot be mistaken for a word written that way.
STRETCHED_MARK: Final = "~"


def _fold_char(char: str) -> str:
    if unicodedata.category(char) == "Cf":
        return ""
    folded = []
    for part in unicodedata.normalize("NFKC", char):
        part = _CONFUSABLES.get(part, part)
        for decomposed in unicodedata.normalize("NFD", part.casefold()):
            if unicodedata.category(decomposed) != "Mn":
                folded.append(_CONFUSABLES.get(decomposed, decomposed))
    return "".join(folded)


class _FoldCache(dict[str, str]):
    """Character → folded string, computed on first sight: the distinct characters of
    real text are few, so this stays small and almost always hits. It also remembers
    which characters do not fold to exactly one character."""

    irregular: set[str]

    def __init__(self) -> None:
        super().__init__()
        self.irregular = set()

    def __missing__(self, char: str) -> str:
        folded = _fold_char(char)
        if len(folded) != 1:
            self.irregular.add(char)
        self[char] = folded
        return folded


_FOLDED: Final = _FoldCache()


class NormalizedText:
    """Folded text plus the way back to the original text's offsets.

    `text` is the folded string. `original_span(start, end)` maps a non-empty range of
    `text` to the smallest range of the original text that produced it, so slicing the
    original with it gives exactly the characters the author wrote (including any
    dropped zero-width characters inside the range).
    """

    __slots__ = (
        "_joined_words",
        "_origin",
        "_original_length",
        "_stretched_words",
        "_variant_keys",
        "_word_set",
        "_words",
        "text",
    )

    def __init__(self, text: str, origin: list[int] | None, original_length: int) -> None:
        self.text = text
        # None means identity: the common case (no dropped or expanded characters)
        # costs no list at all.
        self._origin = origin
        self._original_length = original_length
        self._words: tuple[str, ...] | None = None
        self._word_set: frozenset[str] | None = None
        self._joined_words: tuple[WordForm, ...] | None = None
        self._variant_keys: frozenset[str] | None = None
        self._stretched_words: dict[str, list[str]] | None = None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map `text[start:end]` to `(start, end)` offsets in the original text."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} is outside 0:{len(self.text)}")
        origin = self._origin
        if origin is None:
            return start, end
        if start == end:
            position = origin[start] if start < len(origin) else self._original_length
            return position, position
        return origin[start], origin[end - 1] + 1

    @property
    def words(self) -> tuple[str, ...]:
        """The match keys of the words (runs of word characters), in order."""
        if self._words is None:
            self._words = tuple(_word_keys(self.text))
        return self._words

    @property
    def word_set(self) -> frozenset[str]:
        """Every key a word of the text can be found under: a cheap "could this word be
        here?" test. It holds the match keys of the words, of their pieces between
        underscores, and `variant_keys`."""
        if self._word_set is None:
            words = frozenset(self.words)
            stretched = _stretched_words(words)
            if self.joined_words:
                joined = frozenset(form.key for form in self.joined_words)
                for key, joined_words in _stretched_words(joined).items():
                    stretched.setdefault(key, []).extend(joined_words)
                self._variant_keys = joined.union(stretched)
            else:
                self._variant_keys = frozenset(stretched)
            self._stretched_words = stretched
            self._word_set = words.union(self._variant_keys)
            if "_" in self.text:
                self._word_set |= {
                    piece for word in words if "_" in word for piece in word.split("_") if piece
                }
        return self._word_set

    @property
    def joined_words(self) -> tuple[WordForm, ...]:
        """The words the text writes in pieces, put back together: letters spelled out
        one at a time ("v i a g r a", "v.i.a.g.r.a") and words broken by symbols
        ("via🔥gra"), in order of their start.

        A spelled-out run is one word; where some of its gaps are wider than the others
        and hold whitespace ("s o  m u c h"), each stretch between them is a word too.
        A one-letter word ("a", "I") at either end of a run may belong to the prose
        around it, so the run is also offered without it (`opens` or `closes` false)."""
        if self._joined_words is None:
            forms: set[WordForm] = set()
            if _may_spell_out(self.text, self.words):
                forms.update(_spelled_out_words(self.text))
            if _may_join_symbols(self.text):
                forms.update(_symbol_joined_words(self.text))
            self._joined_words = tuple(sorted(forms, key=lambda form: (form.start, form.end)))
        return self._joined_words

    @property
    def variant_keys(self) -> frozenset[str]:
        """The keys of `joined_words`, and the `stretched_key` of every word (joined or
        not) that repeats a letter: the keys under which only an evasion can be found."""
        if self._variant_keys is None:
            self.word_set  # noqa: B018  (computes it)
        return self._variant_keys  # type: ignore[return-value]

    @property
    def stretched_words(self) -> dict[str, list[str]]:
        """Stretched key → the match keys of the words (joined or not) that have it."""
        if self._stretched_words is None:
            self.word_set  # noqa: B018  (computes it)
        return self._stretched_words  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"NormalizedText({self.text!r})"


@dataclass(frozen=True, slots=True)
class WordForm:
    """A word as the folded text has it: `letters` (folded, leetspeak digits read as
    letters), their match `key` and `stretched_key`, and `text[start:end]`, the stretch
    that spells it. `opens` and `closes` say whether it starts and ends where the written
    word does (false when a one-letter word next to a spelled-out run was left out)."""

    letters: str
    key: str
    stretched: str
    start: int
    end: int
    opens: bool = True
    closes: bool = True

    @classmethod
    def of(
        cls, letters: str, start: int, end: int, *, opens: bool = True, closes: bool = True
    ) -> WordForm:
        return cls(letters, match_key(letters), stretched_key(letters), start, end, opens, closes)


def _joined(text: str, places: list[int], *, opens: bool = True, closes: bool = True) -> WordForm:
    letters = "".join(text[place] for place in places)
    if _LETTER.search(letters):
        letters = letters.translate(_LEET_DIGITS)
    return WordForm.of(letters, places[0], places[-1] + 1, opens=opens, closes=closes)


def _with_and_without_one_letter_words(text: str, places: list[int]) -> Iterator[WordForm]:
    yield _joined(text, places)
    # Only runs that stay three letters long lose a letter, so "a s s" stays whole.
    drop_first = text[places[0]] in _ONE_LETTER_WORDS and len(places) > 3
    drop_last = text[places[-1]] in _ONE_LETTER_WORDS and len(places) > 3
    if drop_first:
        yield _joined(text, places[1:], opens=False)
    if drop_last:
        yield _joined(text, places[:-1], closes=False)
    if drop_first and drop_last and len(places) > 4:
        yield _joined(text, places[1:-1], opens=False, closes=False)


def _spelled_out_words(text: str) -> Iterator[WordForm]:
    for run in _SPELLED_OUT.finditer(text):
        places = [run.start() + i for i, char in enumerate(run.group()) if char.isalnum()]
        gaps = [later - earlier - 1 for earlier, later in pairwise(places)]
        narrowest = min(gaps)
        stretches = [[places[0]]]
        for place, gap in zip(places[1:], gaps, strict=True):
            if gap > narrowest and any(char.isspace() for char in text[place - gap : place]):
                stretches.append([])
            stretches[-1].append(place)
        if len(stretches) > 1:
            yield _joined(text, places)
        for stretch in stretches:
            yield from _with_and_without_one_letter_words(text, stretch)


def _may_spell_out(text: str, words: tuple[str, ...]) -> bool:
    """Whether `text` could hold a spelled-out run: three one-character words in a row,
    or an underscore (which joins "v_i_a" into one word). Cheaper than the search."""
    if "_" in text:
        return True
    try:
        lengths = bytes(map(len, words))
    except ValueError:  # a word of 256 characters or more
        lengths = bytes(min(len(word), 255) for word in words)
    return b"\x01\x01\x01" in lengths


def _may_join_symbols(text: str) -> bool:
    if text.isascii():
        return any(symbol in text for symbol in _ASCII_INNER_SYMBOLS)
    return _INNER_SYMBOL.search(text) is not None


def _symbol_joined_words(text: str) -> Iterator[WordForm]:
    for chain in _SYMBOL_JOINED.finditer(text):
        places = [chain.start() + i for i, char in enumerate(chain.group()) if char.isalnum()]
        yield _joined(text, places)


def stretched_key(letters: str) -> str:
    """The match key of a folded word with each repeated letter written once, marked so
    that it matches only another such key: "viiagra" and "viagra" share one. As l and i
    are one letter in a match key, "limited" has one too ("~imited"), the same as
    "liimited": whoever needs to tell the two apart compares their folded letters."""
    return STRETCHED_MARK + _REPEATED_LETTER.sub(r"\1", match_key(letters))


# What is known of the match keys seen so far: those that repeat no letter (most words),
# and the stretched key of each that does. Words recur from paragraph to paragraph, so a
# paragraph's words are told apart with one set difference and few lookups; both are
# emptied when they grow large. Adding to them is atomic, so threads may share them.
_KEYS_WITHOUT_REPEATS: Final[set[str]] = set()
_STRETCHED_KEYS: Final[dict[str, str]] = {}
_KNOWN_KEYS_LIMIT: Final = 200_000


def _stretched_words(keys: frozenset[str]) -> dict[str, list[str]]:
    """Stretched key → those of `keys` that have it (the ones that repeat a letter)."""
    if len(_KEYS_WITHOUT_REPEATS) + len(_STRETCHED_KEYS) > _KNOWN_KEYS_LIMIT:
        _KEYS_WITHOUT_REPEATS.clear()
        _STRETCHED_KEYS.clear()
    stretched: dict[str, list[str]] = {}
    for key in keys.difference(_KEYS_WITHOUT_REPEATS):
        known = _STRETCHED_KEYS.get(key)
        if known is None:
            squeezed = _REPEATED_LETTER.sub(r"\1", key)
            if squeezed == key:
                _KEYS_WITHOUT_REPEATS.add(key)
                continue
            known = _STRETCHED_KEYS[key] = STRETCHED_MARK + squeezed
        stretched.setdefault(known, []).append(key)
    return stretched


def _word_keys(folded: str) -> list[str]:
    if folded.isascii():
        return folded.translate(_ASCII_WORD_KEYS).split()
    return WORD.findall(match_key(folded))


def _fold_run(run: re.Match[str]) -> str:
    return "".join(map(_FOLDED.__getitem__, run.group()))


def _origin_map(text: str) -> list[int]:
    origin: list[int] = []
    for position, char in enumerate(text):
        origin.extend([position] * (len(_FOLDED[char]) if ord(char) > 127 else 1))
    return origin


def _fold_characters(text: str) -> tuple[str, list[int] | None]:
    if text.isascii():
        return text.lower(), None
    # Folded characters are already lower case and lower() keeps their length (the one
    # character it would lengthen, U+0130, never survives folding), so lowering the
    # whole string afterwards only touches the ASCII between the runs.
    folded = _NON_ASCII_RUN.sub(_fold_run, text).lower()
    if _FOLDED.irregular and not _FOLDED.irregular.isdisjoint(text):
        return folded, _origin_map(text)
    return folded, None


def _fold_symbols(match: re.Match[str]) -> str:
    symbols = match.group()
    text, start = match.string, match.start()
    between_word_characters = start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_")
    starts_a_word_with_a_letter = (
        symbols == "$"
        and not between_word_characters
        and _LETTER_AFTER_DIGITS.match(text, start + 1) is not None
    )
    if between_word_characters or starts_a_word_with_a_letter:
        return "".join(_LEET_SYMBOLS[symbol] for symbol in symbols)
    return symbols


def _letter_before(text: str, position: int) -> bool:
    """Whether the word that ends just before `position` contains a letter."""
    while position > 0:
        position -= 1
        char = text[position]
        if char.isalpha():
            return True
        if not (char.isalnum() or char == "_"):
            return False
    return False


def _fold_digits(match: re.Match[str]) -> str:
    # The match starts at a word's first digit, so anything before it in the same word
    # is letters or underscores.
    tail = match.group()
    if _LETTER.search(tail) or _letter_before(match.string, match.start()):
        return tail.translate(_LEET_DIGITS)
    return tail


def _fold_leet(text: str) -> str:
    if _MAYBE_LEET.search(text) is None:
        return text
    text = _SYMBOLS.sub(_fold_symbols, text)
    return _DIGITS_TO_WORD_END.sub(_fold_digits, text)


def normalize_for_matching(text: str) -> NormalizedText:
    """Fold `text` for evasion-resistant matching (see the module docstring).

    Runs in time linear in `len(text)`.
    """
    folded, origin = _fold_characters(text)
    return NormalizedText(_fold_leet(folded), origin, len(text))


def fold_term(term: str) -> str:
    """Fold a watched word or phrase exactly as post text is folded, so both agree."""
    return normalize_for_matching(term).text


def match_key(folded: str) -> str:
    """The key two folded words are compared on: l and i become one letter."""
    return folded.replace("l", "i")
