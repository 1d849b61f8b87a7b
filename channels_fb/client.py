"""The Facebook Page's Graph client: Meta's client (meta/graph.py) with a Page token.

Everything generic (auth with `appsecret_proof`, errors by code, usage headers) is Meta's;
the Page's own calls are made by path in polling.py, actions.py and context.py.
"""

from __future__ import annotations

from meta.graph import GraphClient


class FacebookClient(GraphClient):
    label = "Facebook"
