"""The Instagram webhook: Meta's handshake and signature, then one stored event per item.

A delivery batches entries, and each entry several `changes[]` or `messaging[]` items; each
item becomes its own event, so one bad item cannot hold back the others and a retried batch
lands on the same delivery keys (a hash of the item itself) and stores nothing new.
https://developers.facebook.com/docs/graph-api/webhooks/getting-started/
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from channels_fb.graph import refuse_unsigned, verification_response
from inbox.connectors import EventToStore
from inbox.payloads import events_from_delivery


def handle(request: HttpRequest) -> HttpResponse | list[EventToStore]:
    if request.method == "GET":
        return verification_response(request)
    if request.method != "POST":
        return HttpResponse("method not allowed", status=405)
    return refuse_unsigned(request) or events_from_delivery(request.body, split_batch)


def split_batch(body: dict) -> list[EventToStore]:
    events: list[EventToStore] = []
    entries = body.get("entry")
    if not isinstance(entries, list) or not entries:
        # Not a shape we know: keep it whole, the parser marks it unsupported.
        return [make_event("", {"kind": "unknown", "object": body.get("object"), "body": body})]
    for entry in entries:
        if not isinstance(entry, dict):
            events.append(
                make_event(
                    "", {"kind": "unknown", "entry": entry}, poison="an entry is not an object"
                )
            )
            continue
        account = str(entry.get("id") or "")
        base = {"object": body.get("object"), "account_id": account, "time": entry.get("time")}
        changes = entry.get("changes")
        if isinstance(changes, list):
            events += [
                make_event(
                    account,
                    {**base, "kind": "change", "change": c},
                    poison=_not_an_object(c, "changes"),
                )
                for c in changes
            ]
        elif "field" in entry and "value" in entry:
            # The examples page prints field/value without the changes[] wrapper.
            change = {"field": entry["field"], "value": entry["value"]}
            events.append(make_event(account, {**base, "kind": "change", "change": change}))
        for kind in ("messaging", "standby"):
            items = entry.get(kind) or []
            for item in items if isinstance(items, list) else [items]:
                events.append(
                    make_event(
                        account,
                        {**base, "kind": kind, "messaging": item},
                        poison=_not_an_object(item, kind),
                    )
                )
        if not (changes or entry.get("messaging") or entry.get("standby") or "field" in entry):
            events.append(make_event(account, {**base, "kind": "unknown", "entry": entry}))
    return events


def _not_an_object(item: object, list_name: str) -> str:
    return "" if isinstance(item, dict) else f"a {list_name} item is not an object"


def make_event(account: str, payload: dict[str, Any], *, poison: str = "") -> EventToStore:
    # entry.time is left out of the key: a re-batched retry of the same item is the same item.
    keyed = {k: v for k, v in payload.items() if k != "time"}
    digest = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:40]
    return EventToStore(
        delivery_key=f"ig:{account}:{payload['kind']}:{digest}",
        payload=payload,
        channel_external_id=account,
        poison=poison,
    )
