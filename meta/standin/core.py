"""The Graph API stand-in core: what the Facebook and Instagram stand-ins serve alike.

A WSGI app that reads a Graph call the way the real host takes it (an optional version
prefix `/v24.0/...`; parameters in the query string, a form body or a JSON body), answers
errors with Meta's error body (`{"error": {"message", "type", "code", "error_subcode",
"fbtrace_id"}}`, https://developers.facebook.com/docs/graph-api/guides/error-handling),
checks `appsecret_proof` as Meta does (hex HMAC-SHA256 of the token with the app secret,
https://developers.facebook.com/docs/graph-api/guides/secure-requests), and delivers webhooks
with the one Meta deliverer (delivery.py). `/_standin/...` is the control surface of tests
and the demo. Each stand-in extends it with its own objects, routes, faults and usage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import secrets
from typing import Any, ClassVar
from urllib.parse import parse_qsl

from .delivery import Deliverer

VERSION = re.compile(r"^/v\d+\.\d+(?=/|$)")
REASONS = {
    200: "OK",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    500: "Internal Server Error",
}


class GraphError(Exception):
    """A Graph error answer: the HTTP status and Meta's error body."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        kind: str = "OAuthException",
        transient: bool | None = None,
        headers: dict | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.subcode = status, code, message, subcode
        self.kind, self.transient, self.headers = kind, transient, headers or {}
        self.extra = extra

    def body(self) -> dict:
        error: dict[str, Any] = {"message": self.message, "type": self.kind, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient is not None:
            error["is_transient"] = self.transient
        error.update(self.extra)
        error["fbtrace_id"] = base64.b32encode(secrets.token_bytes(10)).decode()[:23]
        return {"error": error}


def not_found(object_id: str) -> GraphError:
    return GraphError(
        400,
        100,
        f"Unsupported get request. Object with ID '{object_id}' does "
        "not exist, cannot be loaded due to missing permissions, or does not "
        "support this operation.",
        subcode=33,
        kind="GraphMethodException",
    )


def minutes_left(ends: float, minutes: float, now: float) -> float:
    """`estimated_time_to_regain_access` of a throttle of `minutes` ending at `ends`: whole
    minutes, as Meta sends them; a test's window shorter than one in hundredths. Rounded up,
    so a client waiting that long never calls before the throttle ends."""
    left = ends - now
    if float(minutes).is_integer():
        return math.ceil(left / 60)
    return math.ceil(left * 100 / 60) / 100


def check_appsecret_proof(token: str, params: dict, app_secret: str) -> None:
    # Computed here, as Meta does, not with the client's meta.graph.appsecret_proof: a fake
    # that shares the client's code cannot catch the client's mistake (and the stand-ins
    # run without Django, which meta.graph needs).
    expected = hmac.new(app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(str(params.get("appsecret_proof", "")), expected):
        raise GraphError(
            400,
            100,
            "Invalid appsecret_proof provided in the API argument",
            kind="GraphMethodException",
        )


def read_request(environ) -> tuple[str, str, dict[str, Any]]:
    """(method, path without the version prefix, parameters of query and body)."""
    method = environ["REQUEST_METHOD"]
    path = VERSION.sub("", environ.get("PATH_INFO", "")) or "/"
    params: dict[str, Any] = dict(
        parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    )
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    if raw:
        if "json" in environ.get("CONTENT_TYPE", ""):
            try:
                params.update(json.loads(raw))
            except ValueError:
                raise GraphError(400, 100, "Invalid JSON in the request body") from None
        else:
            params.update(parse_qsl(raw.decode(), keep_blank_values=True))
    return method, path, params


def json_response(start_response, status: int, body: Any, headers: dict | None = None):
    data = json.dumps(body).encode()
    start_response(
        f"{status} {REASONS.get(status, 'Status')}",
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            *(headers or {}).items(),
        ],
    )
    return [data]


class GraphStandinCore:
    """The WSGI side of a Graph stand-in; subclasses implement `graph` and `control`."""

    object_name: ClassVar[str]  # the webhooks' "object": "page" | "instagram"

    def __init__(self, *, app_secret: str, callback_url: str = "", **delivery: Any) -> None:
        self.app_secret = app_secret
        self.webhooks = Deliverer(
            object_name=self.object_name,
            app_secret=app_secret,
            callback_url=callback_url,
            **delivery,
        )

    # -- what a stand-in implements --
    def graph(self, method: str, path: str, params: dict) -> tuple[int, Any, dict]:
        """A Graph call: (status, body, headers); raise GraphError for Meta's errors."""
        raise NotImplementedError

    def control(self, method: str, path: str, params: dict) -> Any:
        """A `/_standin/...` call of tests and the demo."""
        raise NotImplementedError

    def usage_headers(self) -> dict[str, str]:
        """The usage headers of every Graph answer (`X-App-Usage`, ...)."""
        return {}

    def record(self, method: str, path: str) -> None:
        """Called for every request, before it is answered."""

    # -- WSGI --
    def __call__(self, environ, start_response):
        try:
            method, path, params = read_request(environ)
            self.record(method, path)
            if path.startswith("/_standin/"):
                status, body, headers = 200, self.control(method, path, params), {}
            else:
                status, body, headers = self.graph(method, path, params)
                headers = {**self.usage_headers(), **headers}
        except GraphError as error:
            status, body = error.status, error.body()
            headers = {**self.usage_headers(), **error.headers}
        except KeyError as missing:
            status, body, headers = 400, GraphError(400, 100, f"missing {missing}").body(), {}
        if status in (301, 302):
            start_response(f"{status} Found", [("Location", body["location"])])
            return [b""]
        if isinstance(body, str):  # a page of the login dialog
            data = body.encode()
            start_response(
                f"{status} {'OK' if status == 200 else 'Bad Request'}",
                [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(data)))],
            )
            return [data]
        return json_response(start_response, status, body, headers)
