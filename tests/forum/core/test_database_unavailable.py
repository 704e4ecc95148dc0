"""A database that goes away mid-request is a 503 with Retry-After, never a 500: the API
with its one error body, the web UI with a plain page that needs no database itself.
(tests/integration/test_fault_database_restart.py stops a real PostgreSQL under load.)"""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from forum.core.views import server_error

pytestmark = pytest.mark.django_db


def _database_gone(*args, **kwargs):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_the_api_answers_503_with_its_error_body_and_retry_after(client, monkeypatch, error):
    def gone(*args, **kwargs):
        raise error("connection already closed")

    monkeypatch.setattr("forum.threads.selectors.category_list", gone)

    response = client.get("/api/v1/categories/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "The service is briefly unavailable. Please try again shortly.",
        }
    }


def test_the_web_ui_answers_503_with_a_plain_page(client, monkeypatch):
    monkeypatch.setattr("forum.threads.selectors.category_list", _database_gone)

    response = client.get("/")

    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")
    assert b"Briefly unavailable" in response.content
    assert response["Content-Security-Policy"]  # still a page of ours, headers and all


def test_an_error_escaping_a_middleware_is_still_a_503_not_a_500():
    request = RequestFactory().get("/t/1/x/")
    try:
        _database_gone()
    except OperationalError:
        response = server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"]


def test_other_server_errors_stay_500s():
    request = RequestFactory().get("/")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = server_error(request)
    assert response.status_code == 500


def test_persistent_connections_are_health_checked(monkeypatch):
    """A connection broken by a database restart is noticed and replaced before reuse."""
    from forum.settings.base import _database_from_env

    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@127.0.0.1:5432/x")
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)

    database = _database_from_env()

    assert database["CONN_HEALTH_CHECKS"] is True
    assert database["CONN_MAX_AGE"] > 0
