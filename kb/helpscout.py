"""An external help center behind the same ?? picker: Help Scout Docs (API v1, article search).

Off unless HELPSCOUT_DOCS_API_KEY is set. The picker must stay quick and working when Help
Scout is slow or down, so a failed search offers the local articles alone (and says so in the
log), with a short timeout rather than the channels' one.
"""

from __future__ import annotations

import logging

from django.conf import settings

from inbox.connectors import ConnectorError
from inbox.http import ApiClient, https_or_empty

log = logging.getLogger("switchboard.kb")
SEARCH_TIMEOUT_SECONDS = 3.0


class DocsClient(ApiClient):
    default_base_url = "https://docsapi.helpscout.net"

    def __init__(self, api_key: str, base_url: str = "", **kwargs) -> None:
        super().__init__(base_url, **kwargs)
        # Docs API: HTTP basic auth, the key as user name and any password ("X" in their docs).
        self.session.auth = (api_key, "X")

    def search_articles(self, query: str) -> list[dict]:
        body = self.get("v1/search/articles", params={"query": query, "status": "published"})
        return ((body or {}).get("articles") or {}).get("items") or []


def docs_search(query: str, *, limit: int = 5) -> list[dict]:
    """Published Help Scout Docs articles as picker entries; [] when off or unreachable."""
    key = settings.HELPSCOUT_DOCS_API_KEY
    if not key or not query.strip():
        return []
    client = DocsClient(key, settings.HELPSCOUT_DOCS_API_URL, timeout=SEARCH_TIMEOUT_SECONDS)
    try:
        items = client.search_articles(query)
    except ConnectorError as exc:
        log.warning("Help Scout Docs search failed: %s", exc)
        return []
    results = []
    for item in items:
        # Their fields are untrusted: an article goes in only with an https address and a name.
        url, title = https_or_empty(item.get("url")), str(item.get("name") or "")
        if url and title:
            results.append(
                {"title": title, "url": url, "language": "", "tags": [], "source": "Help Scout"}
            )
    return results[:limit]
