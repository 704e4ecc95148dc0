"""How the OpenAPI schema documents what every operation shares: the one error body as a
reusable component, the error responses each operation can give, and closed request
bodies."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from forum.core import pagination


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable reason, e.g. `not_found`.")
    message = serializers.CharField(help_text="What went wrong, in words.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="The fields at fault, each with its messages; only when fields are at fault.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def page_parameters(*, default: int, maximum: int) -> list[OpenApiParameter]:
    """`cursor` and `page_size`, as forum.core.pagination documents them, for a list
    whose page is built by hand rather than by a pagination class."""
    return [
        OpenApiParameter(
            name=parameter["name"],
            type=OpenApiTypes.INT if parameter["schema"]["type"] == "integer" else str,
            location=OpenApiParameter.QUERY,
            required=False,
            description=parameter["description"],
        )
        for parameter in pagination.page_parameters(default=default, maximum=maximum)
    ]


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_WRITE_METHODS = _BODY_METHODS | {"DELETE"}


class ForumAutoSchema(AutoSchema):
    """Adds to every operation the error responses it can give, each with the one error
    body: 400 (bad input or query), 401 (bad or missing credentials), 403, 404 (for paths
    with ids), 413 and 415 (for request bodies) and 429 (throttled)."""

    def get_summary(self):
        """The view's own summary, else the first line of its docstring, else its method
        and path: every operation has one line saying what it does."""
        summary = super().get_summary()
        if summary:
            return summary
        doc = (self.view.__class__.__doc__ or "").strip()
        if doc:
            return " ".join(doc.split("\n\n")[0].split()).rstrip(".")
        return f"{self.method} {self.path}"

    def get_description(self):
        """None from docstrings: a view's (or a mixin's) docstring is written for the
        code's readers. Each operation's description for integrators is written in
        forum/api_docs.py, or given with `extend_schema(description=...)`."""
        return ""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "400": _error("The input or query is not valid; `fields` names what is wrong."),
            "401": _error("Not signed in, or the token is not valid."),
            "403": _error("Signed in, but not allowed to do this; `code` says why."),
            "429": _error("Too many requests; wait for `Retry-After` seconds."),
        }
        if "{" in self.path or self.method in _WRITE_METHODS:
            # Writes name other objects in their bodies too (a parent post, a target).
            errors["404"] = _error("Not found, or not visible to the caller.")
        if self.method in _WRITE_METHODS:
            errors["409"] = _error("The object is not in a state that allows this now.")
        if self.method in _BODY_METHODS:
            errors["413"] = _error("The request body is too large.")
            errors["415"] = _error("The body is not `application/json`.")
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if str(status_code) == "429":
            headers["Retry-After"] = {
                "schema": {"type": "integer"},
                "description": "Seconds to wait before trying again.",
            }
        return headers


def request_bodies_are_closed(result, generator, request, public):
    """Schema post-processing: input components allow no properties beyond their own,
    as StrictSerializer enforces."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component.setdefault("additionalProperties", False)
    return result


class TextFieldSchema(OpenApiSerializerFieldExtension):
    """A TextField is a string no longer than its service allows (see TextField)."""

    target_class = "forum.core.api.TextField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        # Only the maximum: drf-spectacular itself writes minLength 1 for fields that may
        # not be blank, and a minimum on a field that may be blank would make it wrap the
        # schema in a oneOf that the empty string matches twice.
        field = self.target
        limit = field.documented_length[1] if field.documented_length else field.max_length
        return {"type": "string"} if limit is None else {"type": "string", "maxLength": limit}
