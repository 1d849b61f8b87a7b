"""`Authorization: Bearer <token>` for scripts; the session keeps working for the app's pages."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from .tokens import token_lookup


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        scheme, _, raw = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None  # no token: the session may still authenticate the request
        token = token_lookup(raw.strip())
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.", code="invalid_token")
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword
