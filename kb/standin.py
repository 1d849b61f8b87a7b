"""A Help Scout Docs API stand-in (GET /v1/search/articles), so tests and the demo run offline.

It answers with the Docs API's shape: {"articles": {"page", "pages", "count", "items": [...]}}
where each item has id, name, slug, status, url (the public page) and preview; a wrong key
gets 401, as the real API answers.
"""

from __future__ import annotations

import base64
import json
import threading
from urllib.parse import parse_qs


class DocsStandin:
    def __init__(self, api_key: str = "docs-test-key") -> None:
        self.api_key = api_key
        self.lock = threading.Lock()
        self.articles: list[dict] = []
        self.searches: list[str] = []
        self.down = False  # answer 503 to everything

    def add_article(
        self,
        name: str,
        slug: str,
        *,
        text: str = "",
        status: str = "published",
        site: str = "https://polaris.helpscoutdocs.com",
    ) -> dict:
        with self.lock:
            n = len(self.articles) + 1
            article = {
                "id": f"5f{n:022d}",
                "number": n,
                "name": name,
                "slug": slug,
                "status": status,
                "url": f"{site}/article/{n}-{slug}",
                "preview": text[:120],
                "text": text,
            }
            self.articles.append(article)
            return article

    def __call__(self, environ, start_response):
        if self.down:
            return self._json(start_response, 503, {"error": "Service Unavailable"})
        if not self._authorised(environ.get("HTTP_AUTHORIZATION", "")):
            return self._json(start_response, 401, {"error": "Unauthorized"})
        if environ["REQUEST_METHOD"] != "GET" or environ["PATH_INFO"] != "/v1/search/articles":
            return self._json(start_response, 404, {"error": "Not Found"})
        query = parse_qs(environ.get("QUERY_STRING", ""))
        words = (query.get("query") or [""])[0].lower().split()
        status = (query.get("status") or ["all"])[0]
        with self.lock:
            self.searches.append(" ".join(words))
            items = [
                {k: v for k, v in a.items() if k != "text"}
                for a in self.articles
                if (status == "all" or a["status"] == status)
                and all(w in (a["name"] + " " + a["text"]).lower() for w in words)
            ]
        return self._json(
            start_response,
            200,
            {"articles": {"page": 1, "pages": 1, "count": len(items), "items": items}},
        )

    def _authorised(self, header: str) -> bool:
        if not header.startswith("Basic "):
            return False
        try:
            user = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)[0]
        except ValueError:
            return False
        return user == self.api_key

    @staticmethod
    def _json(start_response, status: int, body: dict):
        reasons = {200: "OK", 401: "Unauthorized", 404: "Not Found", 503: "Service Unavailable"}
        data = json.dumps(body).encode()
        start_response(
            f"{status} {reasons[status]}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(data)))],
        )
        return [data]
