"""The Testchat "platform": a tiny JSON API on local HTTP with injectable faults."""

import itertools
import json
import threading
import time


class TestchatPlatform:
    __test__ = False  # not a test class, despite its name

    def __init__(self):
        self.lock = threading.Lock()
        self.posts: list[dict] = []
        self.calls: list[tuple[str, str]] = []
        self.faults: list[dict] = []
        self.profiles: dict[str, dict] = {}  # user id -> {"name", "handle"}
        self.ids = itertools.count(1000)

    def inject(self, mode: str, **options) -> None:
        """Queue a fault for the next write: timeout_after_accept, rate_limited, 500, expired,
        refused."""
        self.faults.append({"mode": mode, **options})

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        with self.lock:
            self.calls.append((method, path))
        if method == "GET" and path == "/messages":
            query = dict(p.split("=", 1) for p in environ.get("QUERY_STRING", "").split("&") if p)
            data = [p for p in self.posts if p.get("ref") == query.get("ref")]
            return self._json(start_response, 200, {"data": data})
        if method == "GET" and path.startswith("/users/"):
            profile = self.profiles.get(path.removeprefix("/users/"))
            if profile is None:
                return self._json(
                    start_response, 403, {"code": "refused", "message": "profile withheld"}
                )
            return self._json(start_response, 200, profile)
        fault = self.faults.pop(0) if self.faults else None
        if fault and fault["mode"] == "rate_limited":
            return self._json(
                start_response, 429, {"code": "rate_limited", "retry_at": fault["retry_at"]}
            )
        if fault and fault["mode"] == "expired":
            return self._json(start_response, 401, {"code": "token_expired"})
        if fault and fault["mode"] == "refused":
            return self._json(start_response, 403, {"code": "refused", "message": fault["message"]})
        if fault and fault["mode"] == "500":
            return self._json(start_response, 500, {"code": "oops"})
        if method == "POST" and path == "/messages":
            with self.lock:
                post = {"id": f"p{next(self.ids)}", **body}
                self.posts.append(post)
            if fault and fault["mode"] == "timeout_after_accept":
                time.sleep(fault.get("seconds", 3))  # accepted, but the answer comes too late
            return self._json(start_response, 200, {"id": post["id"]})
        if method == "POST" and path.startswith("/messages/"):
            return self._json(start_response, 200, {"success": True})
        return self._json(start_response, 404, {"code": "not_found"})

    @staticmethod
    def _json(start_response, status, body):
        data = json.dumps(body).encode()
        start_response(
            f"{status} X",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]
