"""How the OpenAPI schema describes token authentication."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "forum.accounts.authentication.TokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "A personal API token (`parley_…`), sent as `Authorization: Bearer <token>`. "
                "Members create, list and revoke theirs on their settings page "
                "(`/accounts/settings/`, the web UI), or with an existing token or a signed-in "
                "session at `POST /api/v1/me/tokens/`. A token is shown once; it can be "
                "read-only and can expire. Any other scheme (`Token`, `Basic`) is a 401."
            ),
        }
