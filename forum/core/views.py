"""Error views for the whole site."""

import sys

from django.views.defaults import server_error as django_server_error

from forum.core.unavailable import is_database_unavailable, unavailable_response


def server_error(request, *args, **kwargs):
    """handler500: an exception that escaped a middleware (so no middleware's
    process_exception saw it) but that only means the database is away is a 503."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        return unavailable_response(request, exc)
    return django_server_error(request, *args, **kwargs)
