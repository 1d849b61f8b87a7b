"""The toy platform's HTTP client: its error bodies mapped to the typed connector errors."""

from __future__ import annotations

from datetime import UTC, datetime

from inbox.connectors import AuthExpired, RateLimited, Rejected, Unavailable
from inbox.http import ApiClient


class ToyClient(ApiClient):
    def __init__(self, channel):
        super().__init__(channel.api_base_url, timeout=2)
        self.token = (channel.credentials or {}).get("token", "")

    def prepare(self, method, params, headers):
        headers["Authorization"] = f"Bearer {self.token}"

    def translate_error(self, response):
        body = response.json() if response.content else {}
        code = body.get("code")
        if code == "rate_limited":
            return RateLimited(datetime.fromtimestamp(body["retry_at"], UTC))
        if code == "token_expired":
            return AuthExpired("toy token expired")
        if code == "refused":
            return Rejected(str(body.get("message") or "refused"))
        return Unavailable(f"HTTP {response.status_code}")
