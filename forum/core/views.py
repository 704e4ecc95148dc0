"""Error views for the whole site."""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import server_error as django_server_error

from forum.core.unavailable import is_database_unavailable, unavailable_response


def server_error(request, *args, **kwargs):
    """handler500: an exception that escaped a middleware (so no middleware's
    process_exception saw it) but that only means the database is away is a 503."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        return unavailable_response(request, exc)
    return django_server_error(request, *args, **kwargs)


def bad_request(request, exception, *args, **kwargs):
    """handler400: a body past DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 that says so, in the
    web UI as in the API (the API's parser answers its own); the rest as Django does."""
    if isinstance(exception, RequestDataTooBig):
        limit = f"{settings.PARLEY['BODY_MAX_LENGTH']:,}"
        page = render_to_string("core/too_large.html", {"limit": limit})
        return HttpResponse(page, status=413)
    return django_bad_request(request, exception, *args, **kwargs)
