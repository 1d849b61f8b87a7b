"""Teach drf-spectacular the Bearer token scheme."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from Settings → API tokens.",
        }


def only_v1(endpoints):
    """The schema documents /api/v1/; the older /rules/api/rules/ is the same rules API."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]
