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
from inbox.payloads import events_from_delivery

from .graph import refuse_unsigned, verification_response

# Keys of an entry that carry items; anything else is kept whole as one unsupported event.
ITEM_LISTS = ("changes", "messaging", "standby")
ENTRY_META = frozenset({"id", "time", "uid", "changed_fields"})


def handle_webhook(request: HttpRequest) -> HttpResponse | list[EventToStore]:
    if request.method == "GET":
        return verification_response(request)
    if request.method != "POST":
        return HttpResponse(status=405)
    return refuse_unsigned(request) or events_from_delivery(request.body, events_from_body)


def events_from_body(body: dict[str, Any]) -> list[EventToStore]:
    """One event per item; what is not shaped like an item is kept as a poisoned event."""
    events = []
    obj = str(body.get("object") or "")
    for entry in _as_list(body.get("entry")):
        if not isinstance(entry, dict):
            events.append(
                _event(
                    {"object": obj, "entry_id": "", "field": "entry", "value": entry},
                    "",
                    poison="an entry is not an object",
                )
            )
            continue
        entry_id = str(entry.get("id") or "")
        common = {"object": obj, "entry_id": entry_id, "entry_time": entry.get("time")}
        for list_name in ITEM_LISTS:
            for item in _as_list(entry.get(list_name)):
                if not isinstance(item, dict):
                    events.append(
                        _event(
                            {**common, "field": list_name, "value": item},
                            entry_id,
                            poison=f"a {list_name} item is not an object",
                        )
                    )
                elif list_name == "changes":
                    field, value = str(item.get("field") or ""), item.get("value") or {}
                    events.append(_event({**common, "field": field, "value": value}, entry_id))
                else:
                    events.append(_event({**common, "field": list_name, "value": item}, entry_id))
        unknown = set(entry) - ENTRY_META - set(ITEM_LISTS)
        if unknown:
            events.append(
                _event(
                    {**common, "field": "entry", "value": {k: entry[k] for k in sorted(unknown)}},
                    entry_id,
                )
            )
    return events


def _as_list(value: Any) -> list:
    # One item where a list belongs is still one item, not its keys or characters.
    if not value:
        return []
    return value if isinstance(value, list) else [value]


def _event(payload: dict[str, Any], entry_id: str, *, poison: str = "") -> EventToStore:
    digest = hashlib.sha256(
        json.dumps(payload["value"], sort_keys=True, ensure_ascii=True).encode()
    ).hexdigest()
    key = f"{payload['field'][:20]}:{entry_id}:{digest}"
    return EventToStore(
        delivery_key=key, payload=payload, channel_external_id=entry_id, poison=poison
    )
