"""The Page webhook: handshake, signature, and one stored event per change of a batch.

Meta batches several entries per POST and each entry several `changes[]` or `messaging[]`
items, and retries whole batches: each item becomes its own event, keyed by a hash of its
own content, so a replayed batch stores nothing new while two edits of one comment (same
id, same created_time, new text) stay two events.
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from inbox.connectors import EventToStore

from .graph import signed_json, verification_response

# Keys of an entry that carry items; anything else is kept whole as one unsupported event.
ITEM_LISTS = ("changes", "messaging", "standby")
ENTRY_META = frozenset({"id", "time", "uid", "changed_fields"})


def handle_webhook(request: HttpRequest) -> HttpResponse | list[EventToStore]:
    if request.method == "GET":
        return verification_response(request)
    if request.method != "POST":
        return HttpResponse(status=405)
    body = signed_json(request)
    if isinstance(body, HttpResponse):
        return body
    return events_from_body(body)


def events_from_body(body: dict[str, Any]) -> list[EventToStore]:
    events = []
    obj = str(body.get("object") or "")
    for entry in body.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        entry_id = str(entry.get("id") or "")
        common = {"object": obj, "entry_id": entry_id, "entry_time": entry.get("time")}
        for list_name in ITEM_LISTS:
            for item in entry.get(list_name) or []:
                if list_name == "changes":
                    field, value = str(item.get("field") or ""), item.get("value") or {}
                else:
                    field, value = ("messaging" if list_name == "messaging" else "standby"), item
                events.append(_event({**common, "field": field, "value": value}, entry_id))
        unknown = set(entry) - ENTRY_META - set(ITEM_LISTS)
        if unknown:
            events.append(_event({**common, "field": "entry",
                                  "value": {k: entry[k] for k in sorted(unknown)}}, entry_id))
    return events


def _event(payload: dict[str, Any], entry_id: str) -> EventToStore:
    digest = hashlib.sha256(json.dumps(payload["value"], sort_keys=True,
                                       ensure_ascii=True).encode()).hexdigest()
    key = f"{payload['field'][:20]}:{entry_id}:{digest}"
    return EventToStore(delivery_key=key, payload=payload, channel_external_id=entry_id)
