"""Security headers on every response."""

import pytest

pytestmark = pytest.mark.django_db


def test_forum_pages_and_api_get_a_strict_content_security_policy(client):
    for path in ("/", "/api/v1/categories/"):
        response = client.get(path)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_and_swagger_get_the_relaxed_policy_they_need(client):
    for path in ("/admin/login/", "/api/docs/"):
        policy = client.get(path)["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
