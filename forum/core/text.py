"""Validation of the text people send: lengths, control characters, unencodable strings."""

import re

from forum.core.errors import ValidationFailed

# Unicode category Cc is exactly these two ranges. A body keeps newlines and tabs.
_CONTROLS_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A one-line field also refuses bidirectional embedding, override and isolate controls:
# legitimate inside a body in mixed scripts, but in a title they disguise what it says.
_CONTROLS_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Invisible characters with no use in a one-line field (zero-width space, word joiner,
# invisible operators, BOM, soft hyphen, Mongolian vowel separator) are dropped, so
# "ad\u200bmin" is "admin". Zero-width (non-)joiners stay, as emoji sequences and Persian
# or Indic words need them, and so do the left-to-right and right-to-left marks, which
# mixed-direction titles need and which cannot reorder anything around them.
_INVISIBLE_SINGLE_LINE = re.compile("[\u00ad\u180e\u200b\u2060-\u2064\ufeff]")


def clean_text(
    value: object,
    *,
    field: str,
    min_length: int,
    max_length: int,
    multiline: bool,
) -> str:
    """Return `value` normalised (newlines to LF, single-line fields stripped), or raise
    ValidationFailed naming `field` and the reason."""
    if not isinstance(value, str):
        raise ValidationFailed.for_field(field, "Must be text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValidationFailed.for_field(
            field, "Contains characters that are not valid Unicode.", code="invalid_encoding"
        ) from exc
    # Bodies keep their layout (with LF line ends); one-line fields lose stray spaces.
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    else:
        value = _INVISIBLE_SINGLE_LINE.sub("", value).strip()
    control = (_CONTROLS_MULTILINE if multiline else _CONTROLS_SINGLE_LINE).search(value)
    if control:
        raise ValidationFailed.for_field(
            field,
            f"Contains a control character (U+{ord(control.group()):04X}) "
            f"at position {control.start()}.",
            code="control_character",
        )
    if multiline and not value.strip():
        value = ""
    if len(value) < min_length:
        message = (
            "This field is required."
            if not value
            else (f"Must be at least {min_length} characters (it has {len(value)}).")
        )
        raise ValidationFailed.for_field(field, message, code="too_short" if value else "required")
    if len(value) > max_length:
        raise ValidationFailed.for_field(
            field,
            f"Must be at most {max_length} characters (it has {len(value)}).",
            code="too_long",
        )
    return value


def whole_number(raw: object, *, max_digits: int = 18) -> int | None:
    """`raw` read as a whole number (0 or more) when it is one written in ASCII digits, at
    most `max_digits` of them, else None. `str.isdigit` alone is not enough: it takes
    "²" and "①", which `int` refuses, and "٣", which `int` reads as 3."""
    if not isinstance(raw, str) or not 0 < len(raw) <= max_digits:
        return None
    return int(raw) if raw.isascii() and raw.isdigit() else None
