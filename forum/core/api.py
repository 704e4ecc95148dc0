"""The API's one error body: {"error": {"code", "message", "fields"?}} for every 4xx.

Also what every API view shares: the JSON parser that refuses oversized and over-nested
bodies, and the input serializer base that refuses unknown fields. (The schema side is in
forum/core/schema.py, which this module must not import: DRF loads the parser while it
is still defining its views.)"""

import datetime
import io
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from forum.core.errors import ForumError, RateLimited
from forum.core.text import whole_number
from forum.core.unavailable import api_body, is_database_unavailable, retry_after


class PayloadTooLarge(ForumError):
    status = 413
    code = "too_large"


def _payload_too_large() -> PayloadTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return PayloadTooLarge(f"The request body is larger than the limit of {limit} bytes.")


def _flatten(detail) -> list[str]:
    if isinstance(detail, list):
        return [str(item) for item in detail]
    if isinstance(detail, dict):
        return [f"{key}: {msg}" for key, value in detail.items() for msg in _flatten(value)]
    return [str(detail)]


def exception_handler(exc, context):
    if is_database_unavailable(exc):
        # The database is away (restarting, failing over): an outage to wait out, not a bug.
        response = Response(api_body(), status=503)
        response["Retry-After"] = str(retry_after())
        return response
    if isinstance(exc, RequestDataTooBig):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE: refused before parsing, with the same body.
        exc = _payload_too_large()
    elif isinstance(exc, TooManyFieldsSent):
        exc = exceptions.ParseError("The request has too many fields.")
    elif isinstance(exc, TooManyFilesSent):
        exc = exceptions.ParseError("The request has too many files.")
    if isinstance(exc, ForumError):
        response = Response(exc.as_body(), status=exc.status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict = {"code": _code_of(exc), "message": _message_of(exc)}
    if isinstance(exc, exceptions.ValidationError) and isinstance(exc.detail, dict):
        body["fields"] = {key: _flatten(value) for key, value in exc.detail.items()}
        body["message"] = "Some fields are not valid."
    response.data = {"error": body}
    return response


def _code_of(exc) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) else exc.default_code
    return "error"


def _message_of(exc) -> str:
    if isinstance(exc, exceptions.APIException) and isinstance(exc.detail, str):
        return str(exc.detail)
    if isinstance(exc, exceptions.APIException):
        return "; ".join(_flatten(exc.detail))
    return "Bad request."


class LimitedJSONParser(JSONParser):
    """JSON bodies up to DATA_UPLOAD_MAX_MEMORY_SIZE bytes (a 413 past it, as Django's
    own form parsing gives), and nesting too deep to decode is a 400, not a crash."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if limit is not None and (whole_number(declared) or 0) > limit:
            raise _payload_too_large()
        raw = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise _payload_too_large()
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from exc


# An input serializer that refuses fields it does not know, naming each, so that a
# misspelt field is an error instead of being silently ignored. (No docstring: the schema
# would show it as the description of every request body.)
class StrictSerializer(serializers.Serializer):
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise exceptions.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class TextField(serializers.CharField):
    """A JSON string, and only a string: a number or a list is a type error, not text.

    `documented_length=(min, max)` puts the lengths the service enforces into the schema
    without enforcing them here, so that the refusal keeps the service's own error code
    (`too_short`, `too_long`) and its count of characters after normalising."""

    default_error_messages = {"not_text": "Must be a string."}

    def __init__(self, *, documented_length: tuple[int, int] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.documented_length = documented_length  # see forum.core.schema

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("not_text")
        return super().to_internal_value(data)


# The range of the widest integer column (a 64-bit id): a number past it could never
# name a row, and handing it to the database driver would be an overflow, not a 4xx.
DATABASE_INTEGER_RANGE = (-(2**63), 2**63 - 1)


class WholeNumberField(serializers.IntegerField):
    """A JSON integer, and only an integer: not "12", 12.0 or true. Range-checked: within
    `min_value` and `max_value` when given, and always within a 64-bit integer."""

    default_error_messages = {"not_integer": "Must be an integer."}

    def __init__(self, **kwargs):
        lowest, highest = DATABASE_INTEGER_RANGE
        kwargs["min_value"] = max(kwargs.get("min_value", lowest), lowest)
        kwargs["max_value"] = min(kwargs.get("max_value", highest), highest)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("not_integer")
        return super().to_internal_value(data)


class PageLinksSerializer(serializers.Serializer):
    """The links of a page of a list (see forum.core.pagination), for lists whose page
    is built by hand rather than by a pagination class."""

    next = serializers.URLField(
        allow_null=True, help_text="The next page, or null on the last page."
    )
    previous = serializers.URLField(
        allow_null=True, help_text="The previous page, or null on the first page."
    )


# When a deprecated request field, parameter or header is used, the response says so
# (RFC 9745's `Deprecation` header, with the date it was deprecated, and a link to the
# policy in the API's own documentation); the schema marks the same thing `deprecated`.
DEPRECATION_POLICY_URL = "/api/redoc/#section/Versioning-and-deprecation"


def mark_deprecated_use(response: Response, *, since: datetime.date) -> Response:
    stamp = int(datetime.datetime.combine(since, datetime.time(), datetime.UTC).timestamp())
    response["Deprecation"] = f"@{stamp}"
    response["Link"] = f'<{DEPRECATION_POLICY_URL}>; rel="deprecation"'
    return response


@csrf_exempt  # nothing happens here, and API clients send no CSRF token
def endpoint_not_found(request: HttpRequest, *args, **kwargs) -> JsonResponse:
    """A path under the API that names no endpoint (including ids that are not numbers)."""
    body = {"error": {"code": "not_found", "message": "No such API endpoint."}}
    return JsonResponse(body, status=404)


def permission_checked_by(check):
    """A DRF permission class that asks `check(user)` (a `check_*` function of
    forum.core.permissions), so a refusal is the one error body with the status and
    code that function names, rather than DRF's own."""

    class Checked(BasePermission):
        def has_permission(self, request, view) -> bool:
            check(request.user)
            return True

    Checked.__name__ = Checked.__qualname__ = f"Checked_{check.__name__}"
    return Checked
