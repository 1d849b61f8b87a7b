"""The Meta Graph API client, shared by Facebook and Instagram (their `client.py` extend it).

Everything Meta-generic about a call lives here: authentication (`access_token` +
`appsecret_proof` on every call), the translation of Graph error bodies into the typed
connector errors — by `error.code`/`error_subcode`, never by message text — and the usage
headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`): Pages and Instagram
calls made with a Page token count against the Business Use Case limits, whose header says
when access comes back (`estimated_time_to_regain_access`, in minutes).

A channel's throttle is shared by every process (inbox/budgets.py), as X's budgets are:
Meta counts the calls of a Page token, not of a process, and "once a rate limit is reached,
any subsequent requests made by your app will fail and the API will return an error code
until enough time has passed" (the rate-limiting page below). So a throttle Graph reports,
a throttle error (codes 4, 17, 32, 613, 80001...) or a usage header at 100%, is kept in the
channel's row as the budget `graph`: none left until access comes back. Every call first
spends from it, so after a throttle no process calls Graph before that time; then one call
probes. Graph reports no count of calls left, only percentages of a rolling window, so
while nothing is throttled calls go ahead (`probe_unknown=False`).

Error reference: https://developers.facebook.com/docs/graph-api/guides/error-handling
Rate limiting:   https://developers.facebook.com/docs/graph-api/overview/rate-limiting/
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Self

import requests
from django.conf import settings
from django.utils import timezone

from inbox import budgets
from inbox.connectors import AuthExpired, ConnectorError, RateLimited, Rejected, Unavailable
from inbox.http import ApiClient

if TYPE_CHECKING:
    from inbox.models import Channel

log = logging.getLogger("switchboard.graph")

# Throttling codes: app (4), user (17), Page (32), custom (613), business use case for
# Pages (80001), Instagram (80002) and Messenger (80006).
THROTTLE_CODES = frozenset({4, 17, 32, 613, 80001, 80002, 80006})
# Temporary: "unknown error" (1), "service temporarily unavailable" (2), and the temporary
# blocks 341 (application limit) and 368 (temporary policy block).
TRANSIENT_CODES = frozenset({1, 2, 341, 368})
TOKEN_CODES = frozenset({190, 102})
TOKEN_SUBCODES = {
    458: "the app is no longer installed for this account",
    459: "the user must log in to Facebook to pass a checkpoint",
    460: "the password was changed",
    463: "the token has expired",
    464: "the user is not confirmed",
    467: "the token is invalid",
    492: "the session is invalid",
}
WINDOW_SUBCODE = 2018278
# The Send API's "this person isn't available right now" and the private-reply refusals
# ("activity already replied to", "can't be replied to"): permanent for this message.
PRIVATE_REPLY_CODES = {
    10900: "this comment already has a private reply (only one is allowed)",
    10903: "this comment can no longer get a private reply (7 days have passed or it was removed)",
}
UNAVAILABLE_RECIPIENT = 551

# When a throttle carries no estimate: Meta's app and user windows roll over one hour.
DEFAULT_THROTTLE_WAIT = timedelta(minutes=5)
# The channel's shared Graph budget in `Channel.rate_limits`: one for all of a Page token's
# calls, since Meta limits the token (the Page's business use case), not an endpoint.
GRAPH_BUDGET = "graph"

WINDOW_REASON = (
    "The 24-hour messaging window has closed: the customer last wrote more than 24 "
    "hours ago. Reply publicly, wait for them to write again, or send with the "
    "HUMAN_AGENT tag (up to 7 days, if enabled for this app)."
)


def appsecret_proof(access_token: str, app_secret: str) -> str:
    """hex(HMAC-SHA256(app_secret, access_token)), sent with every call, so a stolen token is
    useless without the app secret:
    https://developers.facebook.com/docs/graph-api/guides/secure-requests"""
    return hmac.new(app_secret.encode(), access_token.encode(), hashlib.sha256).hexdigest()


def parse_usage_headers(headers: Any) -> dict[str, Any]:
    """Decode `X-App-Usage`, `X-Page-Usage`, `X-Ad-Account-Usage` and `X-Business-Use-Case-Usage`.

    Their values are JSON strings; a malformed one is ignored rather than failing the call.
    Returns {"app": {...}, "page": {...}, "business": {id: [{...}]}} for the ones present.
    """
    usage: dict[str, Any] = {}
    for key, header in (
        ("app", "X-App-Usage"),
        ("page", "X-Page-Usage"),
        ("business", "X-Business-Use-Case-Usage"),
    ):
        raw = headers.get(header) if headers is not None else None
        if not raw:
            continue
        try:
            usage[key] = json.loads(raw)
        except ValueError:
            log.warning("ignoring malformed %s header", header)
    return usage


def usage_percent(usage: dict[str, Any]) -> int:
    """The highest percentage any usage counter reports (100 = throttled)."""
    values: list[float] = []
    for key in ("app", "page"):
        counters = usage.get(key) or {}
        values += [
            v
            for k, v in counters.items()
            if k != "estimated_time_to_regain_access" and isinstance(v, int | float)
        ]
    for entries in (usage.get("business") or {}).values():
        for entry in entries if isinstance(entries, list) else []:
            values += [
                entry.get(k)
                for k in ("call_count", "total_cputime", "total_time")
                if isinstance(entry.get(k), int | float)
            ]
    return int(max(values, default=0))


def regain_access_at(usage: dict[str, Any], *, now: datetime | None = None) -> datetime | None:
    """When the throttle lifts, from `estimated_time_to_regain_access` (minutes), if given."""
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.get("business") or {}).values()
        for entry in (entries if isinstance(entries, list) else [])
    ]
    page_eta = (usage.get("page") or {}).get("estimated_time_to_regain_access")
    minutes.append(page_eta)
    minutes = [m for m in minutes if isinstance(m, int | float) and m > 0]
    if not minutes:
        return None
    return (now or timezone.now()) + timedelta(minutes=max(minutes))


def error_from_body(
    body: Any, *, status: int, usage: dict[str, Any] | None = None, label: str = "Facebook"
) -> ConnectorError:
    """Map a Graph error body (and the usage headers) to a typed error, by code.

    `label` names the platform in the reasons agents and admins read.
    """
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        if status >= 500:
            return Unavailable(f"Graph API HTTP {status}")
        return Unavailable(f"Graph API HTTP {status} without an error body")
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    message = str(error.get("message") or "")[:500]
    if code in THROTTLE_CODES:
        retry_at = regain_access_at(usage or {}) or timezone.now() + DEFAULT_THROTTLE_WAIT
        return RateLimited(
            retry_at, f"Graph API throttled (code {code}) until {retry_at.isoformat()}"
        )
    if code in TOKEN_CODES or subcode in TOKEN_SUBCODES:
        # No subcode (0 is none of them) gets the generic reason.
        why = TOKEN_SUBCODES.get(subcode or 0, "the access token is no longer valid")
        return AuthExpired(
            f"{label} access token rejected (code {code}"
            f"{f'/{subcode}' if subcode else ''}): {why}. Reconnect the channel."
        )
    if code == 10 and subcode == WINDOW_SUBCODE:
        return Rejected(WINDOW_REASON, code="outside_window")
    if code in PRIVATE_REPLY_CODES:
        return Rejected(
            f"{label} refused the private reply: {PRIVATE_REPLY_CODES[code]}.",
            code="private_reply_refused",
        )
    if code == UNAVAILABLE_RECIPIENT:
        return Rejected(
            "This person isn't available to receive messages right now.",
            code="recipient_unavailable",
        )
    if code in TRANSIENT_CODES or status >= 500 or error.get("is_transient") is True:
        return Unavailable(f"Graph API temporary error (code {code}): {message}")
    if code == 10 or (code is not None and 200 <= code <= 299):
        return Rejected(
            f"{label} refused for lack of permission (code {code}): {message}", code="permission"
        )
    # Anything else (100 invalid parameter, a removed object...) will not succeed on retry.
    return Rejected(f"{label} refused the request (code {code}): {message}", code=str(code or ""))


def throttle_code(body: Any) -> int | None:
    """The error code of a Graph throttle answer, or None for any other body."""
    error = body.get("error") if isinstance(body, dict) else None
    code = _int(error.get("code")) if isinstance(error, dict) else None
    return code if code in THROTTLE_CODES else None


def throttle_end(usage: dict[str, Any], body: Any = None) -> datetime | None:
    """When access comes back, if this answer (its usage headers, its error body) says
    Graph throttles: a throttle error, or a usage counter at 100%."""
    if throttle_code(body) is None and not (usage and usage_percent(usage) >= 100):
        return None
    return regain_access_at(usage) or timezone.now() + DEFAULT_THROTTLE_WAIT


def throttle_budget(until: datetime) -> dict[str, Any]:
    """The shared budget of a throttle: nothing left until `until` (rounded up to the next
    second, so that no process calls a moment early)."""
    return {
        "limit": 100,
        "remaining": 0,
        "reset": math.ceil(until.timestamp()),
        "reset_at": until.isoformat(),
    }


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class GraphClient(ApiClient):
    """Graph API calls with one token. Never sleeps; raises the typed connector errors."""

    label = "Facebook"  # the platform named in error reasons; Instagram's client overrides it

    def __init__(
        self,
        access_token: str,
        *,
        base_url: str = "",
        app_secret: str | None = None,
        timeout: float | None = None,
        session: requests.Session | None = None,
        channel_id: int | None = None,
    ) -> None:
        super().__init__(base_url or settings.META_GRAPH_BASE, timeout=timeout, session=session)
        self.access_token = access_token
        self.app_secret = app_secret if app_secret is not None else settings.META_APP_SECRET
        self.usage: dict[str, Any] = {}
        # A channel's client spends the channel's shared throttle (inbox/budgets.py); one
        # without (the connect flow's user token) only learns from its own answers.
        self.channel_id = channel_id

    @classmethod
    def for_channel(cls, channel: Channel, **kwargs) -> Self:
        token = (channel.credentials or {}).get("access_token", "")
        if not token:
            raise AuthExpired(f"{channel} has no access token. Reconnect the channel.")
        return cls(token, base_url=channel.api_base_url, channel_id=channel.pk, **kwargs)

    def request(self, method: str, path: str, **kwargs) -> Any:
        """A throttle reported to any process raises `RateLimited` without calling."""
        if self.channel_id is not None:
            until = budgets.spend(self.channel_id, GRAPH_BUDGET, probe_unknown=False)
            if until is not None:
                raise RateLimited(
                    until, f"Graph API throttled for this channel until {until.isoformat()}"
                )
        return super().request(method, path, **kwargs)

    def prepare(self, method: str, params: dict, headers: dict) -> None:
        if self.access_token:  # the OAuth code exchange is the one call made without one
            params.setdefault("access_token", self.access_token)
        if self.app_secret and params.get("access_token"):
            params["appsecret_proof"] = appsecret_proof(params["access_token"], self.app_secret)

    def observe(self, response: requests.Response) -> None:
        self.usage = parse_usage_headers(response.headers)
        if self.usage and usage_percent(self.usage) >= 80:
            log.warning("Graph API usage at %s%%: %s", usage_percent(self.usage), self.usage)
        if self.channel_id is None:
            return
        body = None
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = None
        until = throttle_end(self.usage, body)
        if until is not None:
            budgets.record(self.channel_id, {GRAPH_BUDGET: throttle_budget(until)})
        else:
            budgets.answered_without_budget(self.channel_id, GRAPH_BUDGET)

    def translate_error(self, response: requests.Response) -> Exception:
        try:
            body = response.json()
        except ValueError:
            body = None
        return error_from_body(
            body, status=response.status_code, usage=self.usage, label=self.label
        )

    def throttled_until(self) -> datetime | None:
        """When the channel's throttle (or, without a channel, the last response's usage at
        100%) lifts: a poll stops early instead of hitting the wall."""
        if self.channel_id is not None:
            budget = budgets.current(self.channel_id, GRAPH_BUDGET)
            if budget and budget["remaining"] <= 0 and budget["reset"] > timezone.now().timestamp():
                return datetime.fromtimestamp(budget["reset"], UTC)
            return None
        return throttle_end(self.usage)

    def paginate(
        self, path: str, *, params: dict | None = None, after: str = "", max_pages: int = 5
    ) -> tuple[list[dict], str]:
        """GET a paged edge; returns the items and the `after` cursor to resume from."""
        items: list[dict] = []
        params = dict(params or {})
        cursor = after
        for _ in range(max_pages):
            page_params = dict(params, after=cursor) if cursor else params
            body = self.get(path, params=page_params)
            items += body.get("data") or []
            next_cursor = ((body.get("paging") or {}).get("cursors") or {}).get("after", "")
            if not (body.get("paging") or {}).get("next") or not next_cursor:
                cursor = next_cursor or cursor
                break
            cursor = next_cursor
        return items, cursor
