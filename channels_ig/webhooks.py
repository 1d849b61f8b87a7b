"""The Instagram webhook: Meta's handshake and signature, then one stored event per item.

Nothing here is Instagram's own: verification and the batch splitter are Meta's
(meta/webhooks.py). https://developers.facebook.com/docs/graph-api/webhooks/reference/instagram
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from inbox.connectors import EventToStore
from meta import webhooks


def handle(request: HttpRequest) -> HttpResponse | list[EventToStore]:
    return webhooks.handle(request, split)


def split(body: dict) -> list[EventToStore]:
    return webhooks.split(body)
