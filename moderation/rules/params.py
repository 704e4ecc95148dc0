"""A rule kind's parameters: declared once, read from JSON into checked Python values.

Each kind lists its parameters as `Param` declarations (name, label, help, type, bounds,
default). The same declarations read and check a rule's JSON (`read_params`) and let the
admin draw one form field per parameter, so the two cannot drift apart. Adding a
parameter to a kind is one more line in its `parameters`.

Each check raises InvalidRuleParams with a message that names the key and says what was
expected and what arrived, so the admin can show it next to the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

from forum.core.text import whole_number
from moderation.content import normalize_domain

__all__ = (
    "REQUIRED",
    "Boolean",
    "Choice",
    "DomainList",
    "Integer",
    "InvalidRuleParams",
    "LevelLimits",
    "Lines",
    "Number",
    "Param",
    "ParamReader",
    "Text",
    "check_integer",
    "read_params",
)

_MISSING = object()
# The default of a parameter that has none: the rule's JSON must give it.
REQUIRED: Final = _MISSING


class InvalidRuleParams(ValueError):
    """A rule's parameters are not valid; the message names the key and what is wrong.

    `errors` maps each offending parameter's name (None for a problem of the parameters
    together) to its message; the message of the exception is the first of them.
    """

    def __init__(self, message: str, *, errors: Mapping[str | None, str] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str | None, str] = dict(errors) if errors else {None: message}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class ParamReader:
    """Typed access to one rule's parameters.

    Construction refuses anything but a mapping with string keys drawn from `known`,
    so a misspelt key is reported rather than silently ignored.
    """

    def __init__(self, params: object, known: Iterable[str]) -> None:
        if not isinstance(params, Mapping):
            raise InvalidRuleParams(f"params must be an object, got {type(params).__name__}")
        allowed = tuple(known)
        for key in params:
            if key not in allowed:
                raise InvalidRuleParams(
                    f'unknown key "{key}"; expected one of: {", ".join(allowed)}'
                )
        self._params = params

    def has(self, key: str) -> bool:
        return self._params.get(key) is not None

    def _get(self, key: str, default: Any) -> Any:
        value = self._params.get(key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise InvalidRuleParams(f'"{key}" is required')
            return default
        return value

    def integer(
        self,
        key: str,
        *,
        default: Any = _MISSING,
        minimum: int | None = None,
        maximum: int | None = None,
        allow_none: bool = False,
    ) -> int | None:
        value = self._get(key, default)
        return check_integer(value, key, minimum=minimum, maximum=maximum, allow_none=allow_none)

    def number(self, key: str, *, default: Any = _MISSING, minimum: float, maximum: float) -> float:
        value = self._get(key, default)
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or not minimum <= value <= maximum
        ):
            raise InvalidRuleParams(
                f'"{key}" must be a number from {minimum} to {maximum}, got {_shown(value)}'
            )
        return float(value)

    def text(self, key: str, *, default: Any = _MISSING, max_length: int = 200) -> str:
        value = self._get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise InvalidRuleParams(f'"{key}" must be a non-empty string, got {_shown(value)}')
        if len(value) > max_length:
            raise InvalidRuleParams(f'"{key}" must be at most {max_length} characters')
        return value.strip()

    def strings(
        self, key: str, *, default: Any = _MISSING, max_items: int, max_length: int
    ) -> list[str]:
        """A list of non-blank strings, stripped, in order, without repeats."""
        value = self._get(key, default)
        if not isinstance(value, list | tuple):
            raise InvalidRuleParams(f'"{key}" must be a list of strings, got {_shown(value)}')
        if len(value) > max_items:
            raise InvalidRuleParams(
                f'"{key}" has {len(value)} entries; at most {max_items} are allowed'
            )
        result: list[str] = []
        for position, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise InvalidRuleParams(
                    f'"{key}"[{position}] must be a non-empty string, got {_shown(item)}'
                )
            if len(item) > max_length:
                raise InvalidRuleParams(
                    f'"{key}"[{position}] is {len(item)} characters long; the limit is {max_length}'
                )
            if item.strip() not in result:
                result.append(item.strip())
        return result

    def boolean(self, key: str, *, default: Any = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise InvalidRuleParams(f'"{key}" must be true or false, got {_shown(value)}')
        return value

    def choice(self, key: str, *, default: Any = _MISSING, choices: Iterable[str]) -> str:
        value = self._get(key, default)
        known = tuple(choices)
        if value not in known:
            raise InvalidRuleParams(
                f'"{key}": unknown {key} {_shown(value)} (known: {", ".join(known) or "none"})'
            )
        return value

    def level_limits(
        self, key: str, *, levels: range, default: Any = _MISSING
    ) -> dict[int, int | None]:
        """A map from trust level ("0".."4") to a non-negative count or null (no limit);
        none listed when absent, unless another `default` is given."""
        value = self._get(key, {} if default is _MISSING else default)
        if not isinstance(value, Mapping):
            raise InvalidRuleParams(
                f'"{key}" must be an object from trust level to a count, '
                f'like {{"0": 2, "1": 4}}; got {_shown(value)}'
            )
        limits: dict[int, int | None] = {}
        for raw_level, limit in value.items():
            level = _trust_level(raw_level)
            if level is None or level not in levels:
                raise InvalidRuleParams(
                    f'"{key}": {_shown(raw_level)} is not a trust level '
                    f"({levels.start}-{levels.stop - 1})"
                )
            limits[level] = check_integer(
                limit, f"{key}.{level}", minimum=0, maximum=None, allow_none=True
            )
        return dict(sorted(limits.items()))


def _trust_level(raw: object) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        return whole_number(raw.strip())
    return None


def check_integer(
    value: object,
    key: str,
    *,
    minimum: int | None,
    maximum: int | None,
    allow_none: bool = False,
) -> int | None:
    """`value` as an int within the bounds, or InvalidRuleParams naming `key`."""
    if value is None and allow_none:
        return None
    # JSON has one number type; 3.0 from a form is still the integer 3.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    in_range = (
        isinstance(value, int)
        and not isinstance(value, bool)
        and (minimum is None or value >= minimum)
        and (maximum is None or value <= maximum)
    )
    if not in_range:
        if minimum is not None and maximum is not None:
            bounds = f" from {minimum} to {maximum}"
        elif minimum is not None:
            bounds = f" of at least {minimum}"
        elif maximum is not None:
            bounds = f" of at most {maximum}"
        else:
            bounds = ""
        nullable = " (or null)" if allow_none else ""
        raise InvalidRuleParams(
            f'"{key}" must be a whole number{bounds}{nullable}, got {_shown(value)}'
        )
    return value  # type: ignore[return-value]


# --- declarations ---------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One parameter of a rule kind: its JSON key, how a person names and explains it,
    its default (REQUIRED when it has none) and, in subclasses, its type and bounds."""

    name: str
    label: str
    _: KW_ONLY
    help: str = ""
    default: Any = REQUIRED

    def read(self, reader: ParamReader) -> Any:
        """The checked value of this parameter in `reader`'s params (its default when
        absent), or InvalidRuleParams naming the key."""
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class Integer(Param):
    """A whole number within the bounds; `allow_none` lets null mean "no limit"."""

    minimum: int | None = None
    maximum: int | None = None
    allow_none: bool = False

    def read(self, reader: ParamReader) -> int | None:
        return reader.integer(
            self.name,
            default=self.default,
            minimum=self.minimum,
            maximum=self.maximum,
            allow_none=self.allow_none,
        )


@dataclass(frozen=True, kw_only=True)
class Number(Param):
    """A finite number within the bounds."""

    minimum: float
    maximum: float

    def read(self, reader: ParamReader) -> float:
        return reader.number(
            self.name, default=self.default, minimum=self.minimum, maximum=self.maximum
        )


@dataclass(frozen=True, kw_only=True)
class Boolean(Param):
    default: Any = False

    def read(self, reader: ParamReader) -> bool:
        return reader.boolean(self.name, default=self.default)


@dataclass(frozen=True, kw_only=True)
class Text(Param):
    """A non-blank line of text, stripped."""

    max_length: int = 200

    def read(self, reader: ParamReader) -> str:
        return reader.text(self.name, default=self.default, max_length=self.max_length)


@dataclass(frozen=True, kw_only=True)
class Choice(Param):
    """One of the names `choices()` gives (asked at each read: the set may grow, as
    registered scorers do)."""

    choices: Callable[[], Sequence[str]]

    def read(self, reader: ParamReader) -> str:
        return reader.choice(self.name, default=self.default, choices=self.choices())


@dataclass(frozen=True, kw_only=True)
class Lines(Param):
    """A list of non-blank strings (a person writes one per line), stripped, in order,
    without repeats. `check_item(item, key)` may refuse an entry with InvalidRuleParams;
    whatever it returns replaces the entry."""

    default: Any = ()
    max_items: int
    max_length: int
    check_item: Callable[[str, str], str] | None = None

    def read(self, reader: ParamReader) -> list[str]:
        items = reader.strings(
            self.name, default=self.default, max_items=self.max_items, max_length=self.max_length
        )
        if self.check_item is not None:
            items = [
                self.check_item(item, f"{self.name}[{position}]")
                for position, item in enumerate(items)
            ]
        return list(dict.fromkeys(items))


# Unicode letters are allowed: lists hold domains as `normalize_domain` decodes them.
_DOMAIN: Final = re.compile(
    r"(?=.{1,253}\Z)(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)*[^\W_](?:[\w-]{0,61}[^\W_])?"
)


def _clean_domain(entry: str, key: str) -> str:
    """`entry` as a bare domain: a URL gives its host, "*." and leading dots go."""
    text = entry.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.removeprefix("*.").lstrip(".")
    domain = normalize_domain(text)
    if not _DOMAIN.fullmatch(domain):
        raise InvalidRuleParams(f'"{key}" ({entry!r}) is not a domain name like "spam.example"')
    return domain


@dataclass(frozen=True, kw_only=True)
class DomainList(Lines):
    """Domain names, one per line; a pasted URL counts as its host."""

    max_length: int = 300
    check_item: Callable[[str, str], str] | None = _clean_domain


@dataclass(frozen=True, kw_only=True)
class LevelLimits(Param):
    """A map from trust level to a count, null meaning no limit; JSON keys are strings
    ("0".."4") so the value survives a round trip."""

    default: Any = field(default_factory=dict)
    levels: range

    def read(self, reader: ParamReader) -> dict[str, int | None]:
        limits = reader.level_limits(self.name, levels=self.levels, default=self.default)
        return {str(level): limit for level, limit in limits.items()}


def read_params(params: object, parameters: Iterable[Param]) -> dict[str, Any]:
    """Every parameter of `parameters` read from `params`, in declaration order.

    All parameters are checked, so a person sees every mistake at once: the error's
    `errors` names each offending parameter.
    """
    declared = tuple(parameters)
    reader = ParamReader(params, (param.name for param in declared))
    values: dict[str, Any] = {}
    errors: dict[str | None, str] = {}
    for param in declared:
        try:
            values[param.name] = param.read(reader)
        except InvalidRuleParams as exc:
            errors[param.name] = str(exc)
    if errors:
        raise InvalidRuleParams(next(iter(errors.values())), errors=errors)
    return values
