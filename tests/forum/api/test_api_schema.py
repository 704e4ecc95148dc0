"""The OpenAPI schema: valid OpenAPI 3, every API route in it, every operation with a
summary, its parameters and the one error body for its error responses."""

import pytest
from django.urls import get_resolver
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def schema(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _api_routes() -> set[str]:
    """Every route under /api/v1/, written as the schema writes paths."""
    import re

    resolver = get_resolver()
    routes = set()
    for pattern in resolver.url_patterns:
        if str(pattern.pattern) != "api/v1/":
            continue
        for inner in pattern.url_patterns:
            if inner.name == "not-found":  # the JSON 404 for any other path
                continue
            route = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(inner.pattern))
            routes.add("/api/v1/" + route.replace("{pk}", "{id}"))
    return routes


def test_the_schema_is_valid_openapi(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_every_api_route_is_documented(schema):
    routes = _api_routes()
    assert len(routes) >= 30
    assert routes <= set(schema["paths"])


def test_an_unknown_api_path_is_a_json_404(api):
    for path in (
        "/api/v1/nothing/",
        "/api/v1/threads/abc/",
        "/api/v1/posts/1/nope/",
        "/api/v1/webhooks/%0A/ping/",
        "/api/v1/threads/%F2%8E%98%AE%0A/",
    ):
        response = api.get(path)
        assert response.status_code == 404
        assert response.json() == {
            "error": {"code": "not_found", "message": "No such API endpoint."}
        }


def test_every_operation_has_a_summary_and_documented_errors(schema):
    error_ref = "#/components/schemas/Error"
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            where = f"{method.upper()} {path}"
            assert operation.get("summary"), where
            assert not operation["summary"].startswith(method.upper() + " "), where
            responses = operation["responses"]
            assert any(code.startswith("2") or code == "304" for code in responses), where
            for code in ("400", "401", "403", "429"):
                content = responses[code]["content"]["application/json"]["schema"]
                assert content == {"$ref": error_ref}, where
            if "{" in path:
                assert "404" in responses, where
            if method in {"post", "put", "patch"}:
                assert {"413", "415"} <= set(responses), where
    assert (
        "Retry-After" in schema["paths"]["/api/v1/threads/"]["get"]["responses"]["429"]["headers"]
    )


def test_the_error_component_is_the_one_error_body(schema):
    error = schema["components"]["schemas"]["Error"]
    detail = schema["components"]["schemas"]["ErrorDetail"]
    assert error["required"] == ["error"]
    assert set(detail["properties"]) == {"code", "message", "fields"}
    assert set(detail["required"]) == {"code", "message"}


def test_request_bodies_are_closed_as_the_api_refuses_unknown_fields(schema):
    components = schema["components"]["schemas"]
    for name in ("ThreadCreateRequest", "ReplyCreateRequest", "PatchedPostEditRequest"):
        name = name if name in components else name.replace("Patched", "")
        assert components[name]["additionalProperties"] is False, name


def test_list_endpoints_document_their_cursors(schema):
    for path in (
        "/api/v1/threads/",
        "/api/v1/notifications/",
        "/api/v1/posts/{id}/revisions/",
        "/api/v1/moderation/queue/",
        "/api/v1/moderation/log/",
        "/api/v1/moderation/reports/",
        "/api/v1/moderation/sanctions/",
        "/api/v1/webhooks/{id}/deliveries/",
    ):
        names = {p["name"] for p in schema["paths"][path]["get"]["parameters"]}
        assert {"cursor", "page_size"} <= names, path
