"""User-supplied regular expressions that cannot hang a worker.

Two defences, because either alone leaks:

* at save time, `compile_user_pattern` refuses what is known to backtrack
  exponentially: a repeated group that itself holds a repetition or an alternation
  ("(a+)+", "(x*)*y", "(a|aa)+$", "(.*)*"), backreferences and recursion (which no
  automaton can match, so no rewrite bounds them), conditionals, fuzzy matching and
  patterns over 500 characters;
* at check time the patterns run on the `regex` package with a timeout, so whatever
  slips past the analysis (polynomial blow-ups like ".*.*.*=") costs a bounded time
  and is reported as a timed-out hit instead of stalling the queue.

`regex` rather than RE2: it is the maintained superset of `re` (same syntax and
semantics for what moderators already know), and its `timeout=` bounds the one thing
RE2 would have removed; RE2's bindings add a C++ library to every worker image and
reject some familiar syntax (lookarounds) outright.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any, Final

import regex

from moderation.rules.base import InvalidRuleParams

__all__ = (
    "MAX_PATTERN_LENGTH",
    "UserPattern",
    "compile_user_pattern",
    "pattern_problem",
    "required_literals",
)

MAX_PATTERN_LENGTH: Final = 500

_FLAGS: Final = regex.VERSION0 | regex.IGNORECASE | regex.UNICODE

_QUANTIFIER: Final = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}")
_INLINE_FLAGS: Final = re.compile(r"\(\?[aiLmsux-]+\)")
_GROUP_HEADER: Final = re.compile(
    r"\(\?(?:[:=!>|]|<[=!]|P?<[A-Za-z_]\w*>|'[A-Za-z_]\w*'|[aiLmsux-]+:)|\("
)
_BACKREFERENCE_GROUP: Final = re.compile(r"\(\?(?:P=|P>|&|R\)|[+-]?\d+\))")
_FUZZY: Final = re.compile(r"\{\s*[deis]\s*[<=]")


@dataclass(frozen=True)
class UserPattern:
    """A checked, compiled user pattern and its source, for evidence and messages.

    `required` is a set of lower-case strings one of which every match contains (see
    `required_literals`), or None when none is known.
    """

    source: str
    compiled: regex.Pattern[str]
    required: frozenset[str] | None = None

    def could_match(self, text: str) -> bool:
        """False only when the pattern certainly cannot match the (lower-case) `text`:
        a substring test costs far less than starting the regex engine."""
        required = self.required
        return required is None or any(literal in text for literal in required)


@dataclass
class _Group:
    repeats: bool = False
    alternates: bool = False


def _quantifier_repeats(match: re.Match[str]) -> bool:
    """Whether a quantifier can match its atom more than once."""
    symbol = match.group()
    if symbol in ("*", "+"):
        return True
    if symbol == "?":
        return False
    low, comma, high = match.groups()
    if comma:
        return not high or int(high) > 1
    return int(low or "0") > 1


def _skip_class(source: str, position: int) -> int:
    """The index just past the character class that opens at `position`."""
    position += 1
    if source.startswith("^", position):
        position += 1
    if source.startswith("]", position):
        position += 1
    while position < len(source) and source[position] != "]":
        position += 2 if source[position] == "\\" else 1
    return position + 1


def pattern_problem(source: str) -> str | None:
    """Why `source` could take exponential time (or be unboundable), or None.

    A structural scan, not a proof: it recognises the constructs behind catastrophic
    backtracking; the check-time timeout covers the rest.
    """
    stack = [_Group()]
    position = 0
    while position < len(source):
        char = source[position]
        quantifier_at = position + 1
        if char == "\\":
            following = source[position + 1 : position + 2]
            if following.isdigit() and following != "0":
                return f"uses a backreference (\\{following})"
            if following in ("g", "k") and source[position + 2 : position + 3] in ("<", "{"):
                return f"uses a backreference (\\{following}<...>)"
            position += 2
            if following in ("p", "P", "N") and source.startswith("{", position):
                position = source.find("}", position) + 1 or len(source)
            quantifier_at = position
        elif char == "[":
            position = quantifier_at = _skip_class(source, position)
        elif char == "(":
            if _BACKREFERENCE_GROUP.match(source, position):
                return "uses a backreference or recursion ((?P=name), (?R), (?1))"
            if source.startswith("(?(", position):
                return "uses a conditional group ((?(...)...))"
            if source.startswith("(?#", position):
                position = source.find(")", position) + 1 or len(source)
                continue
            inline = _INLINE_FLAGS.match(source, position)
            if inline:
                position = inline.end()
                continue
            header = _GROUP_HEADER.match(source, position)
            position = header.end() if header else position + 1
            stack.append(_Group())
            continue
        elif char == ")":
            if len(stack) == 1:
                position += 1
                continue
            group = stack.pop()
            if _FUZZY.match(source, position + 1):
                return "uses fuzzy matching ({e<=n})"
            quantifier = _QUANTIFIER.match(source, position + 1)
            repeated = quantifier is not None and _quantifier_repeats(quantifier)
            if repeated and (group.repeats or group.alternates):
                inner = "a repetition" if group.repeats else "alternatives"
                return (
                    f"repeats a group that itself contains {inner} (like (a+)+, (.*)* or (a|aa)+)"
                )
            stack[-1].repeats |= group.repeats or repeated
            stack[-1].alternates |= group.alternates
            position += 1
            if quantifier is not None:
                position = quantifier.end()
            continue
        elif char == "|":
            stack[-1].alternates = True
            position += 1
            continue
        else:
            position += 1
        if _FUZZY.match(source, quantifier_at):
            return "uses fuzzy matching ({e<=n})"
        quantifier = _QUANTIFIER.match(source, quantifier_at)
        if quantifier is not None:
            stack[-1].repeats |= _quantifier_repeats(quantifier)
            position = quantifier.end()
    return None


def compile_user_pattern(source: str, *, key: str) -> UserPattern:
    """Check and compile one pattern, or raise InvalidRuleParams naming `key`.

    The pattern is matched case-insensitively against normalised text (see
    forum.core.lookalikes), so it should be written in lower case without accents.
    """
    shown = source if len(source) <= 60 else source[:57] + "..."
    if len(source) > MAX_PATTERN_LENGTH:
        raise InvalidRuleParams(
            f'"{key}" is {len(source)} characters long; patterns are limited to '
            f"{MAX_PATTERN_LENGTH} so they stay cheap to run and possible to review"
        )
    problem = pattern_problem(source)
    if problem is not None:
        raise InvalidRuleParams(
            f'"{key}" ({shown!r}) {problem}. Such patterns can take exponential time on '
            "some inputs and stall the moderation workers; rewrite it without that "
            "construct (for example a+ instead of (a+)+, or put alternatives in the "
            '"words" list instead)'
        )
    try:
        compiled = regex.compile(source, _FLAGS)
    except (regex.error, OverflowError, RecursionError) as exc:
        raise InvalidRuleParams(
            f'"{key}" ({shown!r}) is not a valid regular expression: {exc}'
        ) from None
    if compiled.search("") is not None:
        raise InvalidRuleParams(
            f'"{key}" ({shown!r}) matches the empty string, so it would hit every paragraph'
        )
    return UserPattern(source=source, compiled=compiled, required=required_literals(source))


def required_literals(source: str) -> frozenset[str] | None:
    """Lower-case ASCII strings one of which every case-insensitive match of `source`
    contains, or None when the analysis cannot tell.

    Read from the syntax tree of the standard library's parser, which shares the
    `regex` package's version-0 syntax for everything it accepts; anything it rejects
    or warns about (POSIX classes, \\p{...}) gets no prefilter rather than a wrong one.
    Only ASCII literals count, because folded text holds no ASCII letter's exotic case
    variants (the Kelvin sign, the long s) that case-insensitive matching would accept.
    """
    try:
        from re import _constants as constants
        from re import _parser as parser
    except ImportError:  # pragma: no cover - a future Python without these modules
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            tree = parser.parse(source, 0)
    except (re.error, Warning, RecursionError, OverflowError, ValueError):
        return None
    return _necessary(list(tree), constants)


def _better(
    current: frozenset[str] | None, candidate: frozenset[str] | None
) -> frozenset[str] | None:
    if not candidate:
        return current
    if current is None:
        return candidate
    shortest = min(map(len, candidate)), -len(candidate)
    return candidate if shortest > (min(map(len, current)), -len(current)) else current


def _necessary(items: list[tuple[Any, Any]], constants: Any) -> frozenset[str] | None:
    best: frozenset[str] | None = None
    run: list[str] = []
    for op, argument in items:
        if op is constants.LITERAL and argument < 128:
            run.append(chr(argument).lower())
            continue
        if run:
            best = _better(best, frozenset({"".join(run)}))
            run = []
        if op is constants.SUBPATTERN:
            best = _better(best, _necessary(list(argument[-1]), constants))
        elif op is getattr(constants, "ATOMIC_GROUP", None):
            best = _better(best, _necessary(list(argument), constants))
        elif op in _repeats(constants):
            minimum, _, body = argument
            if minimum >= 1:
                best = _better(best, _necessary(list(body), constants))
        elif op is constants.BRANCH:
            alternatives = [_necessary(list(branch), constants) for branch in argument[1]]
            if alternatives and all(alternatives):
                best = _better(best, frozenset().union(*alternatives))  # type: ignore[arg-type]
    if run:
        best = _better(best, frozenset({"".join(run)}))
    return best


def _repeats(constants: Any) -> tuple[Any, ...]:
    names = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
    return tuple(getattr(constants, name) for name in names if hasattr(constants, name))
