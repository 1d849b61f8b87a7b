"""The toy platform's stand-in: `POST /replies` answered with a new id, as the real one would."""

from __future__ import annotations

import itertools
import json


class ToyStandin:
    def __init__(self):
        self.replies: list[dict] = []
        self.ids = itertools.count(1)

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
        if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/replies":
            reply = {"id": f"toy-reply-{next(self.ids)}", **body}
            self.replies.append(reply)
            status, answer = "200 OK", {"id": reply["id"]}
        else:
            status, answer = "404 Not Found", {"code": "refused", "message": "no such route"}
        data = json.dumps(answer).encode()
        start_response(status, [("Content-Type", "application/json")])
        return [data]
