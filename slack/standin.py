"""A local Slack: an incoming webhook and the Web API's chat.postMessage, recording every
post and answering as Slack does, so the demo and the tests run offline.

- Incoming webhook (any path but /api/…): "ok", or HTTP 400 "invalid_payload" for a body
  without text (https://api.slack.com/messaging/webhooks#handling_errors).
- `POST /api/chat.postMessage` with `Authorization: Bearer <bot token>`: `{"ok": true, ...}`,
  or `ok: false` with `invalid_auth` / `not_authed` for a wrong or missing token and
  `channel_not_found` for a channel it does not know
  (https://docs.slack.dev/reference/methods/chat.postMessage/).
- Told to fail first: `statuses` are answered in turn (500, or 429 with `Retry-After`, as
  https://api.slack.com/docs/rate-limits describes, plus `"error": "ratelimited"` on the API).

    with served(SlackStandin(statuses=[500, 500])) as slack:
        ... post to slack.url + "/services/T000/B000/XXXX" or slack.url + "/api" ...
        slack.posts  # the JSON bodies it accepted
"""

from __future__ import annotations

import json
import threading
import time

BOT_TOKEN = "xoxb-standin-token"  # noqa: S105 - the stand-in's own, accepted nowhere else
CHANNELS = ("C0SUPPORT", "#support")
RETRY_AFTER_SECONDS = 1


class SlackStandin:
    def __init__(self, statuses=(), *, tokens=(BOT_TOKEN,), channels=CHANNELS):
        self.statuses = list(statuses)  # answered in turn before the 200s
        self.tokens = set(tokens)
        self.channels = set(channels)
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.url = ""

    @property
    def posts(self) -> list[dict]:
        return [r["json"] for r in self.requests if r["status"] == 200 and r["ok"]]

    def __call__(self, environ, start_response):
        raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        path = environ.get("PATH_INFO", "")
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        api = path.startswith("/api/")
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            if api:
                status, answer = self._api(path, environ, body, status)
            else:
                if status == 200 and not (isinstance(body, dict) and body.get("text")):
                    status = 400
                answer = {200: "ok", 400: "invalid_payload", 429: "rate_limited"}.get(
                    status, "internal_error"
                )
            ok = status == 200 and (answer.get("ok") if api else True)
            self.requests.append(
                {
                    "path": path,
                    "status": status,
                    "ok": ok,
                    "json": body,
                    "auth": environ.get("HTTP_AUTHORIZATION", ""),
                }
            )
        headers = [("Content-Type", "application/json" if api else "text/plain")]
        if status == 429:
            headers.append(("Retry-After", str(RETRY_AFTER_SECONDS)))
        start_response(f"{status} X", headers)
        return [json.dumps(answer).encode() if api else answer.encode()]

    def _api(self, path, environ, body, status) -> tuple[int, dict]:
        if status == 429:
            return 429, {"ok": False, "error": "ratelimited"}
        if status != 200:
            return status, {"ok": False, "error": "internal_error"}
        if path != "/api/chat.postMessage":
            return 404, {"ok": False, "error": "unknown_method"}
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not auth:
            return 200, {"ok": False, "error": "not_authed"}
        if auth.removeprefix("Bearer ") not in self.tokens:
            return 200, {"ok": False, "error": "invalid_auth"}
        body = body if isinstance(body, dict) else {}
        if body.get("channel") not in self.channels:
            return 200, {"ok": False, "error": "channel_not_found"}
        if not body.get("text"):
            return 200, {"ok": False, "error": "no_text"}
        ts = f"{time.time():.6f}"
        return 200, {
            "ok": True,
            "channel": body["channel"],
            "ts": ts,
            "message": {"type": "message", "text": body["text"], "ts": ts},
        }


def main() -> None:  # pragma: no cover - the demo's Slack
    import argparse

    from switchboard.standin_server import serve_forever

    parser = argparse.ArgumentParser(description="A local Slack (incoming webhook and bot API).")
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
