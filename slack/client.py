"""Slack's two ways in, and its errors mapped to our typed errors, by code, in one place.

- An incoming webhook: POST {"text": ...} to the secret URL; Slack answers "ok" in plain text,
  or an HTTP error whose body is a code such as `invalid_payload` or `channel_not_found`
  (https://api.slack.com/messaging/webhooks#handling_errors).
- The Web API's chat.postMessage with a bot token (xoxb-…) in the `Authorization: Bearer`
  header; the answer is JSON with `ok`, and on failure `ok: false` with an `error` code such
  as `channel_not_found`, `not_in_channel` or `invalid_auth`
  (https://docs.slack.dev/reference/methods/chat.postMessage/).
- Over its rate limit Slack answers HTTP 429 with a `Retry-After` header in seconds (and
  `"error": "ratelimited"` from the Web API) (https://api.slack.com/docs/rate-limits).
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from inbox.connectors import RateLimited, Rejected, Unavailable
from inbox.http import ApiClient
from rules.destinations import NoRedirectSession

# Codes that will not change by trying again: the connection needs fixing, or the post does.
PERMANENT = frozenset(
    {
        "account_inactive",
        "action_prohibited",
        "channel_is_archived",
        "channel_not_found",
        "invalid_auth",
        "invalid_payload",
        "invalid_token",
        "is_archived",
        "missing_scope",
        "msg_too_long",
        "no_permission",
        "no_service",
        "no_team",
        "no_text",
        "not_authed",
        "not_in_channel",
        "restricted_action",
        "team_disabled",
        "token_expired",
        "token_revoked",
        "user_not_found",
    }
)
DEFAULT_RETRY_AFTER = 30


def rate_limited(response) -> RateLimited:
    try:
        seconds = max(int(response.headers.get("Retry-After", "")), 1)
    except ValueError:
        seconds = DEFAULT_RETRY_AFTER
    return RateLimited(timezone.now() + timedelta(seconds=seconds), f"ratelimited ({seconds}s)")


def error_for(code: str, response=None) -> Exception:
    if code == "ratelimited" or (response is not None and response.status_code == 429):
        return rate_limited(response) if response is not None else Unavailable(code)
    if code in PERMANENT:
        return Rejected(f"Slack refused the post: {code}", code=code)
    return Unavailable(f"Slack: {code or 'no answer'}")


class SlackClient(ApiClient):
    def __init__(self, base_url: str = "", *, token: str = ""):
        super().__init__(base_url, session=NoRedirectSession())
        self.token = token

    def prepare(self, method, params, headers):
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"

    def translate_error(self, response):
        code = response.text.strip()[:60]
        if response.headers.get("Content-Type", "").startswith("application/json"):
            try:
                code = response.json().get("error", "")
            except ValueError:
                pass
        if response.status_code >= 500:
            return Unavailable(f"HTTP {response.status_code} {code}".strip())
        return error_for(code, response)

    def post_webhook(self, url: str, body: bytes) -> None:
        try:
            self.post(url, data=body, headers={"Content-Type": "application/json; charset=utf-8"})
        except Unavailable:
            if self.last_response is not None and self.last_response.ok:
                return  # Slack's plain-text "ok"
            raise

    def post_message(self, channel: str, text: str) -> dict:
        answer = self.post("chat.postMessage", json={"channel": channel, "text": text})
        if not answer.get("ok"):
            raise error_for(answer.get("error", ""), self.last_response)
        return answer
