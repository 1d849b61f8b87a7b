"""A local Slack incoming webhook: records every post, answers as Slack does ("ok", or
"invalid_payload" for a body without text), and can be told to fail first.

    with served(SlackStandin(statuses=[500, 500])) as slack:
        ... post to slack.url + "/services/T000/B000/XXXX" ...
        slack.posts  # the JSON bodies it accepted
"""

from __future__ import annotations

import json
import threading


class SlackStandin:
    def __init__(self, statuses=()):
        self.statuses = list(statuses)  # answered in turn before the 200s
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    @property
    def posts(self) -> list[dict]:
        return [r["json"] for r in self.requests if r["status"] == 200]

    def __call__(self, environ, start_response):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            if status == 200 and not (isinstance(body, dict) and body.get("text")):
                status = 400
            self.requests.append(
                {"path": environ.get("PATH_INFO", ""), "status": status, "json": body}
            )
        answer = {200: b"ok", 400: b"invalid_payload"}.get(status, b"internal_error")
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [answer]


def main() -> None:  # pragma: no cover - the demo's Slack
    import argparse

    from switchboard.standin_server import serve_forever

    parser = argparse.ArgumentParser(description="A local Slack incoming webhook.")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    app = SlackStandin()

    def logged(environ, start_response):
        result = app(environ, start_response)
        print(json.dumps(app.requests[-1]["json"], ensure_ascii=False), flush=True)
        return result

    serve_forever(logged, "127.0.0.1", args.port)


if __name__ == "__main__":  # pragma: no cover
    main()
