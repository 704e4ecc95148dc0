"""The API's one pagination contract: keyset cursors, `page_size`, `next` and `previous`.

Every list in the API answers `{"next": url|null, "previous": url|null, "results": [...]}`
and takes `cursor` (from one of those links) and `page_size` (within bounds each list
documents; outside them, a 400 naming the bounds). A cursor holds a row's position in
the list's ordering (a field's value and the primary key, or a post's path for a thread
in reading order) and which way to read from it. The next page is the rows after the
last one shown, the previous the rows before the first, so rows inserted while a client
pages never shift a page or repeat one, ties on the field are broken exactly by the key,
and each page is one indexed range query. A cursor that does not decode, belongs to
another list or ordering, or holds values its fields could not take, is a 400
(`bad_cursor`) in the standard error body; it never reaches the database."""

import base64
import binascii
import datetime as dt
import hashlib
import json
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from forum.core.errors import ValidationFailed
from forum.core.text import whole_number

_BIGINT = 2**63
# Room for the longest position a list holds: a post 64 replies deep has a 448-character path.
_MAX_CURSOR_LENGTH = 1024
CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"


def bad_cursor(message: str = "This cursor is not valid; start again from the first page."):
    return ValidationFailed.for_field(CURSOR_PARAM, message, code="bad_cursor")


class Position(NamedTuple):
    """Where a page starts: after (or, `backwards`, before) the row at `value`, `key`."""

    value: Any
    key: Any
    backwards: bool


def _list_kind(request, ordering: str) -> str:
    """Names the list a cursor belongs to: its path (a thread's posts are not another
    thread's) and its ordering, so a cursor from elsewhere is refused, not misread."""
    named = f"{request.path}\x00{ordering}".encode()
    return hashlib.blake2b(named, digest_size=6).hexdigest()


def encode_cursor(request, ordering: str, value, key, *, backwards: bool = False) -> str:
    shown = value.isoformat() if hasattr(value, "isoformat") else value
    kind = _list_kind(request, ordering)
    raw = json.dumps([kind, shown, key, "p" if backwards else "n"], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(request, ordering: str) -> tuple[Any, Any, bool] | None:
    """The raw (value, key, backwards) of the request's cursor for this list in
    `ordering`, None without one, or a bad-cursor error. The caller checks the values'
    types."""
    encoded = request.query_params.get(CURSOR_PARAM)
    if encoded is None:
        return None
    if not encoded or len(encoded) > _MAX_CURSOR_LENGTH or not encoded.isascii():
        raise bad_cursor()
    try:
        raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
        name, value, key, direction = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise bad_cursor() from exc
    if name != _list_kind(request, ordering):
        raise bad_cursor("This cursor belongs to another list or ordering; start again.")
    if direction not in ("n", "p"):
        raise bad_cursor()
    return value, key, direction == "p"


def requested_page_size(request, *, default: int, maximum: int) -> int:
    raw = request.query_params.get(PAGE_SIZE_PARAM)
    if raw is None:
        return default
    size = whole_number(raw)
    if size is None or not 1 <= size <= maximum:
        raise ValidationFailed.for_field(
            PAGE_SIZE_PARAM, f"Must be a whole number from 1 to {maximum}."
        )
    return size


def page_link(request, cursor: str | None) -> str | None:
    """The request's own URL reading from `cursor` (None: no such page)."""
    if cursor is None:
        return None
    return replace_query_param(request.build_absolute_uri(), CURSOR_PARAM, cursor)


def first_page_link(request) -> str:
    return remove_query_param(request.build_absolute_uri(), CURSOR_PARAM)


def page_response_data(*, next_link: str | None, previous_link: str | None, results) -> dict:
    return {"next": next_link, "previous": previous_link, "results": results}


def page_schema(results_schema: dict) -> dict:
    """The OpenAPI schema of a page whose rows are `results_schema` (an array)."""
    return {
        "type": "object",
        "required": ["next", "previous", "results"],
        "properties": {
            "next": {
                "type": "string",
                "format": "uri",
                "nullable": True,
                "description": "The next page, or null on the last page.",
                "example": "https://forum.example.org/api/v1/threads/?cursor=WyItbGFzdF9hY3Rp",
            },
            "previous": {
                "type": "string",
                "format": "uri",
                "nullable": True,
                "description": "The previous page, or null on the first page.",
                "example": None,
            },
            "results": results_schema,
        },
    }


def page_parameters(*, default: int, maximum: int) -> list[dict]:
    """The OpenAPI parameters every list takes."""
    return [
        {
            "name": CURSOR_PARAM,
            "required": False,
            "in": "query",
            "description": "Where the page starts: copied from the `next` or `previous` "
            "link of the page before; absent for the first page.",
            "schema": {"type": "string", "maxLength": _MAX_CURSOR_LENGTH},
        },
        {
            "name": PAGE_SIZE_PARAM,
            "required": False,
            "in": "query",
            "description": f"Rows a page, 1 to {maximum} (default {default}); a value "
            "outside these bounds is a 400.",
            "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
        },
    ]


def keyset_links(
    request, *, ordering: str, page: list, more: bool, position: Position | None, locate
) -> tuple[str | None, str | None]:
    """The next and previous links of `page`, read from `position` (None: the first
    page); `more` says whether rows continue past the page in the direction read, and
    `locate(row)` gives a row's (value, key)."""
    backwards = position is not None and position.backwards
    if not page:
        # Past either end: the way back is the list from its start.
        return None, (first_page_link(request) if position is not None else None)
    first, last = locate(page[0]), locate(page[-1])
    has_next = position is not None if backwards else more
    has_previous = more if backwards else position is not None
    next_link = page_link(request, encode_cursor(request, ordering, *last)) if has_next else None
    previous_link = (
        page_link(request, encode_cursor(request, ordering, *first, backwards=True))
        if has_previous
        else None
    )
    return next_link, previous_link


class StableCursorPagination(BasePagination):
    """Keyset pagination over `ordering`: exactly two names, a field and then `pk` (each
    with `-` for descending, both in the same direction). Subclass with `ordering` and
    `page_size`, or override `get_ordering` to let the request choose."""

    ordering: tuple[str, str] = ("-created_at", "-pk")
    page_size = 30
    max_page_size = 100

    def get_ordering(self, request, queryset, view) -> tuple[str, str]:
        return tuple(self.ordering)

    def paginate_queryset(self, queryset, request, view=None):
        ordering = self.get_ordering(request, queryset, view)
        field_name, key_name = (name.lstrip("-") for name in ordering)
        descending = ordering[0].startswith("-")
        size = requested_page_size(request, default=self.page_size, maximum=self.max_page_size)
        position = self._position(request, queryset.model, ordering[0])
        backwards = position is not None and position.backwards
        read_descending = descending != backwards
        rows = queryset.order_by(
            *(f"-{name}" if read_descending else name for name in (field_name, key_name))
        )
        if position is not None:
            beyond = "lt" if read_descending else "gt"
            rows = rows.filter(
                Q(**{f"{field_name}__{beyond}": position.value})
                | Q(**{field_name: position.value, f"{key_name}__{beyond}": position.key})
            )
        fetched = list(rows[: size + 1])
        page = fetched[:size]
        if backwards:
            page.reverse()
        self.links = keyset_links(
            request,
            ordering=ordering[0],
            page=page,
            more=len(fetched) > size,
            position=position,
            locate=lambda row: (getattr(row, field_name), row.pk),
        )
        return page

    def get_paginated_response(self, data):
        next_link, previous_link = self.links
        return Response(
            page_response_data(next_link=next_link, previous_link=previous_link, results=data)
        )

    def get_paginated_response_schema(self, schema):
        return page_schema(schema)

    def get_schema_operation_parameters(self, view):
        return page_parameters(default=self.page_size, maximum=self.max_page_size)

    @staticmethod
    def _position(request, model, ordering: str) -> Position | None:
        decoded = decode_cursor(request, ordering)
        if decoded is None:
            return None
        value, key, backwards = decoded
        return Position(
            _as_field_value(model, ordering.lstrip("-"), value),
            _as_field_value(model, "pk", key),
            backwards,
        )


def _as_field_value(model, name: str, value):
    """`value` as `model`'s field `name` holds it, or a bad-cursor error."""
    try:
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    except FieldDoesNotExist as exc:
        raise bad_cursor() from exc
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise bad_cursor()
    if isinstance(value, str) and ("\x00" in value or len(value) > 200):
        raise bad_cursor()
    try:
        converted = field.to_python(value)
    except (DjangoValidationError, TypeError, ValueError, OverflowError) as exc:
        raise bad_cursor() from exc
    if converted is None or (isinstance(converted, dt.datetime) and converted.tzinfo is None):
        raise bad_cursor()
    if isinstance(field, models.IntegerField) and not -_BIGINT <= converted < _BIGINT:
        raise bad_cursor()
    return converted


def cursor_pagination(
    *ordering: str, page_size: int = 30, name: str = "Page"
) -> type[StableCursorPagination]:
    """A StableCursorPagination class for `ordering` (a field, then `pk`)."""
    return type(name, (StableCursorPagination,), {"ordering": ordering, "page_size": page_size})
