"""The one base HTTP client every channel client extends.

It owns the timeout, the base URL, logging and the translation of transport failures into
the typed connector errors. A channel client adds its auth (`prepare`) and maps the
platform's error bodies by code (`translate_error`). It never sleeps: waiting is the
outbox's and the scheduler's job.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from django.conf import settings

from .connectors import Unavailable

log = logging.getLogger("switchboard.http")


def https_or_empty(value: Any) -> str:
    """A platform-given URL we may show or link to: https only, else nothing (docs/platforms.md:
    every field, `payload.url` included, is untrusted)."""
    return value if isinstance(value, str) and value.startswith("https://") else ""


class ApiClient:
    default_base_url: str = ""

    def __init__(
        self,
        base_url: str = "",
        *,
        timeout: float | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.HTTP_TIMEOUT_SECONDS
        self.session = session or requests.Session()
        self.last_response: requests.Response | None = None

    # -- hooks for channel clients --
    def prepare(self, method: str, params: dict, headers: dict) -> None:
        """Add authentication to the request (query parameters or headers)."""

    def translate_error(self, response: requests.Response) -> Exception:
        """Turn an error response into a typed connector error, by the platform's code."""
        if response.status_code >= 500:
            return Unavailable(f"HTTP {response.status_code}")
        return Unavailable(f"unexpected HTTP {response.status_code}")

    def observe(self, response: requests.Response) -> None:
        """Look at every response (rate-limit headers...)."""

    # -- the call --
    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: Any = None,
        data: dict | None = None,
        headers: dict | None = None,
        writes: bool | None = None,
    ) -> Any:
        """Call the API and return the decoded JSON body (or {} for an empty one).

        `writes` marks a call that changes state on the platform: a timeout there may have
        landed, and the error says so. It defaults to every method but GET.
        """
        params = dict(params or {})
        headers = dict(headers or {})
        self.prepare(method, params, headers)
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        writes = method.upper() != "GET" if writes is None else writes
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout as exc:
            log.warning("%s %s timed out after %.1fs", method, path, self.timeout)
            raise Unavailable(f"timeout calling {path}", maybe_landed=writes) from exc
        except requests.ConnectionError as exc:
            # Refused before sending: the request cannot have landed.
            log.warning("%s %s connection failed: %s", method, path, exc)
            raise Unavailable(f"cannot connect to {self.base_url}") from exc
        except requests.RequestException as exc:
            # A bad URL or the like: nothing was sent; typed, so callers need no other except.
            log.warning("%s %s could not be sent: %s", method, path, exc)
            raise Unavailable(f"cannot call {url}: {exc}") from exc
        elapsed = (time.monotonic() - started) * 1000
        log.info("%s %s -> %s in %.0fms", method, path, response.status_code, elapsed)
        self.last_response = response
        self.observe(response)
        if response.status_code >= 400:
            raise self.translate_error(response)
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise Unavailable(f"{path} answered with a body that is not JSON") from exc

    def get(self, path: str, **kwargs) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs) -> Any:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs) -> Any:
        return self.request("DELETE", path, **kwargs)
