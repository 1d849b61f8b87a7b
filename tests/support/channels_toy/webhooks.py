"""The toy webhook: an HMAC over the raw body, then one event per item of the batch."""

from __future__ import annotations

import hashlib
import hmac

from django.http import HttpRequest, HttpResponse

from inbox.connectors import EventToStore
from inbox.payloads import events_from_delivery

SECRET = b"toy-webhook-secret"
SIGNATURE_HEADER = "X-Toy-Signature"


def sign(body: bytes) -> str:
    return hmac.new(SECRET, body, hashlib.sha256).hexdigest()


def handle(request: HttpRequest) -> HttpResponse | list[EventToStore]:
    if request.method != "POST":
        return HttpResponse("method not allowed", status=405)
    if not hmac.compare_digest(request.headers.get(SIGNATURE_HEADER, ""), sign(request.body)):
        return HttpResponse("bad signature", status=403)
    return events_from_delivery(request.body, split)


def split(body: dict) -> list[EventToStore]:
    events = []
    for item in body.get("items") or []:
        if not isinstance(item, dict):
            events.append(
                EventToStore(
                    delivery_key=hashlib.sha256(repr(item).encode()).hexdigest(),
                    payload={"type": "unknown", "item": item},
                    poison="an item is not an object",
                )
            )
            continue
        events.append(
            EventToStore(
                delivery_key=f"toy:{item.get('type')}:{item.get('id')}",
                payload=item,
                channel_external_id=str(body.get("account") or ""),
            )
        )
    return events
