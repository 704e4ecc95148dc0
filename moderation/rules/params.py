"""Reading a rule's parameters (JSON from the admin) into checked Python values.

Each reader raises InvalidRuleParams with a message that names the key and says what
was expected and what arrived, so the admin can show it next to the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from moderation.rules.base import InvalidRuleParams

__all__ = ("ParamReader", "check_integer")

_MISSING = object()


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

    def boolean(self, key: str, *, default: Any = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise InvalidRuleParams(f'"{key}" must be true or false, got {_shown(value)}')
        return value

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

    def level_limits(self, key: str, *, levels: range) -> dict[int, int | None]:
        """A map from trust level ("0".."4") to a non-negative count or null (no limit)."""
        value = self._get(key, {})
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
    if isinstance(raw, str) and raw.strip().isdigit():
        return int(raw.strip())
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
