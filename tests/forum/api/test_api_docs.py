"""The API's documentation teaches: a guide, a description and tag on every operation,
an example on every request and response body, each example valid against the schema,
and both Swagger UI and ReDoc served from our own files."""

import re

import pytest
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from openapi_spec_validator import validate

from forum import api_docs

pytestmark = pytest.mark.django_db

_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from rest_framework.test import APIClient

    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method in _METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def _resolved(node, spec, depth=0):
    """`node` with every `$ref` into the spec's components replaced by what it names."""
    assert depth < 30, "a reference cycle"
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/components/schemas/")
            return _resolved(spec["components"]["schemas"][name], spec, depth + 1)
        return {key: _resolved(value, spec, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(value, spec, depth + 1) for value in node]
    return node


def _bodies(operation):
    """(where, media schema, examples) for the request body and each 2xx response body."""
    for medium in operation.get("requestBody", {}).get("content", {}).values():
        yield "request", medium["schema"], medium.get("examples")
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            for medium in response.get("content", {}).values():
                yield f"response {status}", medium["schema"], medium.get("examples")


def test_the_schema_is_valid_openapi_3(schema):
    validate(schema)
    assert schema["openapi"].startswith("3.")


def test_the_guide_opens_the_documentation(schema):
    guide = schema["info"]["description"]

    for section in (
        "# Authentication",
        "# Pagination",
        "# Errors",
        "# Rate limits",
        "# Conditional requests",
        "# Webhooks",
        "# Versioning and deprecation",
    ):
        assert section in guide
    assert "/accounts/settings/" in guide  # where a member makes a token
    assert "Retry-After" in guide and "X-Parley-Signature" in guide


def test_every_operation_has_a_summary_a_description_and_one_known_tag(schema):
    tags = {tag["name"] for tag in api_docs.TAGS}
    assert {tag["name"] for tag in schema["tags"]} == tags

    for name, operation in _operations(schema):
        assert operation.get("summary"), name
        assert len(operation.get("description", "")) >= 40, name
        assert len(operation["tags"]) == 1 and operation["tags"][0] in tags, name


def test_no_description_is_a_code_comment(schema):
    """Descriptions come from forum/api_docs.py, never from a view's docstring."""
    from forum.core.pagecache import CachedForAnonymousMixin

    internal = " ".join(CachedForAnonymousMixin.__doc__.split())
    for name, operation in _operations(schema):
        assert internal not in " ".join(operation["description"].split()), name


def test_every_documented_operation_exists(schema):
    operations = {operation["operationId"]: operation for _, operation in _operations(schema)}

    assert set(api_docs.OPERATIONS) <= set(operations)
    for operation_id, documented in api_docs.OPERATIONS.items():
        # An example for a status the operation does not answer would never be shown.
        statuses = set(operations[operation_id]["responses"])
        assert set(documented.get("response", {})) <= statuses, operation_id


def test_every_body_has_an_example_that_the_schema_accepts(schema):
    checked = 0
    for name, operation in _operations(schema):
        for where, body_schema, examples in _bodies(operation):
            assert examples, f"{name}: no example for the {where} body"
            # A response must hold its read-only fields; a request may not send them.
            checker = OAS30WriteValidator if where == "request" else OAS30ReadValidator
            validator = checker(_resolved(body_schema, schema))
            for example in examples.values():
                errors = sorted(str(e.message) for e in validator.iter_errors(example["value"]))
                assert not errors, f"{name} {where}: {errors}"
                checked += 1
    assert checked >= 45


def test_an_example_that_breaks_the_schema_is_caught(schema):
    """The check above can fail: a post without its id is not a post."""
    operation = schema["paths"]["/api/v1/posts/{id}/"]["get"]
    _, body_schema, examples = next(_bodies(operation))
    broken = {k: v for k, v in examples["default"]["value"].items() if k != "id"}

    assert list(OAS30ReadValidator(_resolved(body_schema, schema)).iter_errors(broken))


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_swagger_ui_and_redoc_are_served_from_our_own_files(client, page):
    response = client.get(page)

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/schema/" in html
    # Nothing from another origin: no CDN, no web fonts, not even a preconnect. Every
    # address the page loads is a path on this site. (The page carries a random CSRF
    # token, so looking for words such as "cdn" anywhere in it would fail by chance.)
    addresses = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", html)
    assert addresses
    for address in addresses:
        assert address.startswith("/") and not address.startswith("//"), address
    assert not re.search(r"https?:|//[a-z0-9-]+\.[a-z]", html, re.IGNORECASE)
    assert "preconnect" not in html.lower()
