"""One exception hierarchy for refusals. Services raise these; the web UI and the API turn
them into a form error or one error body, so every refusal names its reason."""


class ForumError(Exception):
    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}

    def as_body(self) -> dict:
        body: dict = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


class ValidationFailed(ForumError):
    status = 400
    code = "invalid"

    @classmethod
    def for_field(cls, field: str, message: str, *, code: str = "invalid") -> "ValidationFailed":
        return cls(f"{field}: {message}", code=code, fields={field: [message]})

    def with_field_named(self, field: str, name: str) -> "ValidationFailed":
        """The same refusal with `field` called `name`, as the caller's input named it."""
        if field not in self.fields:
            return self
        fields = {name if key == field else key: value for key, value in self.fields.items()}
        message = f"{name}: {self.message.removeprefix(f'{field}: ')}"
        return ValidationFailed(message, code=self.code, fields=fields)


class NotAuthenticated(ForumError):
    status = 401
    code = "not_authenticated"


class PermissionDenied(ForumError):
    status = 403
    code = "permission_denied"


class NotFound(ForumError):
    """Also raised for content that exists but that the caller may not see, so that a
    refusal never reveals whether hidden content exists."""

    status = 404
    code = "not_found"


class Conflict(ForumError):
    status = 409
    code = "conflict"


class RateLimited(ForumError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
