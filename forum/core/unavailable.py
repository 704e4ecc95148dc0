"""The answer when the database is away: a 503 with Retry-After, never a 500.

A lost PostgreSQL (restarted, failed over, out of connections) is an outage, not a bug,
and clients should come back shortly. The API answers with its one error body and the
code `service_unavailable`; the web UI with a plain page that needs no database to render.
The broken connection is dropped at the end of the request (Django closes a connection
that saw errors; `CONN_HEALTH_CHECKS` tests a persistent one before reuse), so the
process recovers by itself once the database is back.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

logger = logging.getLogger("forum.unavailable")

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
MESSAGE = "The service is briefly unavailable. Please try again shortly."


def retry_after() -> int:
    return int(getattr(settings, "DATABASE_UNAVAILABLE_RETRY_AFTER", 5))


def is_database_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_UNAVAILABLE)


def api_body() -> dict:
    return {"error": {"code": "service_unavailable", "message": MESSAGE}}


def unavailable_response(request, exc: BaseException) -> HttpResponse:
    """A 503 for `request`: the API's error body under /api/, a plain page elsewhere."""
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exc)
    if request.path.startswith("/api/"):
        response = JsonResponse(api_body(), status=503)
    else:
        # Rendered without the request: context processors would query the database.
        response = HttpResponse(
            render_to_string("core/unavailable.html", {"message": MESSAGE}), status=503
        )
    response["Retry-After"] = str(retry_after())
    response["Cache-Control"] = "no-store"
    return response
