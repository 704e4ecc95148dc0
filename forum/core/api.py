"""The API's one error body: {"error": {"code", "message", "fields"?}} for every 4xx."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from forum.core.errors import ForumError, RateLimited
from forum.core.unavailable import api_body, is_database_unavailable, retry_after


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
    if isinstance(exc, ForumError):
        response = Response(exc.as_body(), status=exc.status)
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response
    if isinstance(exc, RequestDataTooBig):
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE: refused before parsing, with the same body.
        body = {"code": "too_large", "message": "The request body is too large."}
        return Response({"error": body}, status=413)
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
