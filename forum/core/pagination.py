"""The API's one pagination: keyset cursors over an ordering of (a field, the primary key).

A cursor holds the last row's values of both, and the next page is the rows after them
in that ordering. Rows inserted while a client pages therefore never shift a page or
repeat one, ties on the field are broken exactly by the key (no offsets, however many
rows share a value), and each page is one indexed range query. A cursor that does not
decode, belongs to another ordering, or holds values its fields could not take, is a 400
in the standard error body; it never reaches the database."""

import base64
import binascii
import datetime as dt
import json

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from forum.core.errors import ValidationFailed

_BIGINT = 2**63
_MAX_CURSOR_LENGTH = 512


def bad_cursor(message: str = "This cursor is not valid; start again from the first page."):
    return ValidationFailed.for_field("cursor", message, code="bad_cursor")


class StableCursorPagination(BasePagination):
    """Keyset pagination over `ordering`: exactly two names, a field and then `pk` (each
    with `-` for descending, both in the same direction). Subclass with `ordering` and
    `page_size`, or override `get_ordering` to let the request choose."""

    ordering: tuple[str, str] = ("-created_at", "-pk")
    page_size = 30
    max_page_size = 100
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_ordering(self, request, queryset, view) -> tuple[str, str]:
        return tuple(self.ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.ordering_used = self.get_ordering(request, queryset, view)
        field_name, key_name = (name.lstrip("-") for name in self.ordering_used)
        descending = self.ordering_used[0].startswith("-")
        size = self._page_size(request)
        rows = queryset.order_by(*self.ordering_used)
        cursor = self._decode(request, queryset.model, field_name)
        if cursor is not None:
            value, key = cursor
            after = "lt" if descending else "gt"
            rows = rows.filter(
                Q(**{f"{field_name}__{after}": value})
                | Q(**{field_name: value, f"{key_name}__{after}": key})
            )
        fetched = list(rows[: size + 1])
        self.page = fetched[:size]
        self.next_cursor = None
        if len(fetched) > size:
            last = self.page[-1]
            self.next_cursor = self._encode(field_name, getattr(last, field_name), last.pk)
        return self.page

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response(self, data):
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {
                    "type": "string",
                    "format": "uri",
                    "nullable": True,
                    "description": "The next page, or null on the last page.",
                },
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "From the `next` link of the previous page; absent for the first.",
                "schema": {"type": "string", "maxLength": _MAX_CURSOR_LENGTH},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": (
                    f"Rows a page, 1 to {self.max_page_size} (default {self.page_size})."
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= self.max_page_size):
            raise ValidationFailed.for_field(
                self.page_size_query_param,
                f"Must be a whole number from 1 to {self.max_page_size}.",
            )
        return int(raw)

    @staticmethod
    def _encode(field_name: str, value, key) -> str:
        shown = value.isoformat() if hasattr(value, "isoformat") else value
        raw = json.dumps([field_name, shown, key], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    def _decode(self, request, model, field_name: str):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        if not encoded or len(encoded) > _MAX_CURSOR_LENGTH or not encoded.isascii():
            raise bad_cursor()
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            name, value, key = json.loads(raw)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise bad_cursor() from exc
        if name != field_name:
            raise bad_cursor("This cursor belongs to another ordering; start again.")
        return _as_field_value(model, field_name, value), _as_field_value(model, "pk", key)


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
