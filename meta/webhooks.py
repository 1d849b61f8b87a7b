"""Meta webhooks, shared by Facebook and Instagram: verification, then one event per item.

- **Verification** (`verification_response`): when a subscription is made, Meta sends a GET
  with `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`; the endpoint answers
  the bare challenge when the token is ours.
- **Signature** (`refuse_unsigned`): every POST carries `X-Hub-Signature-256`, the
  HMAC-SHA256 of the raw body with the app secret, `sha256=` in front. It is checked over
  the bytes received, before anything reads them as JSON.
- **Splitting** (`split`): Meta batches several entries per POST, each with several
  `changes[]` (`field` + `value`) or `messaging[]` items, and retries whole batches until
  answered 200. Each item becomes its own event, keyed by a hash of the item itself (not of
  the entry's `time`), so a replayed or re-batched batch stores nothing new while two edits
  of one comment (same id, new text) stay two events.

https://developers.facebook.com/docs/graph-api/webhooks/getting-started/
Instagram's examples print `field`/`value` without the `changes[]` wrapper; both are read:
https://developers.facebook.com/docs/instagram-platform/webhooks/examples
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from inbox.connectors import EventToStore
from inbox.payloads import events_from_delivery

SIGNATURE_HEADER = "X-Hub-Signature-256"
# Keys of an entry that carry items; anything else is kept whole as one unsupported event.
ITEM_LISTS = ("changes", "messaging", "standby")
ENTRY_META = frozenset({"id", "time", "uid", "changed_fields"})


def sign_body(body: bytes, secret: str) -> str:
    """The `X-Hub-Signature-256` value Meta sends for these exact bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(raw_body: bytes, header: str | None, secret: str) -> bool:
    """Check `X-Hub-Signature-256` over the raw bytes, in constant time."""
    if not header or not secret or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(sign_body(raw_body, secret).encode(), header.strip().encode())


def verification_response(request: HttpRequest, verify_token: str | None = None) -> HttpResponse:
    """Answer Meta's GET `hub.challenge` handshake: the bare challenge, or 403."""
    expected = verify_token if verify_token is not None else settings.META_VERIFY_TOKEN
    mode = request.GET.get("hub.mode")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode == "subscribe" and expected and hmac.compare_digest(token.encode(), expected.encode()):
        return HttpResponse(challenge, content_type="text/plain")
    return HttpResponse("verification failed", status=403, content_type="text/plain")


def refuse_unsigned(request: HttpRequest, secret: str | None = None) -> HttpResponse | None:
    """403 unless `X-Hub-Signature-256` matches the raw body; None when it does.

    Checked before anything reads the body as JSON: a forged body is refused unparsed.
    """
    secret = secret if secret is not None else settings.META_APP_SECRET
    if not verify_signature(request.body, request.headers.get(SIGNATURE_HEADER), secret):
        return HttpResponse("bad signature", status=403, content_type="text/plain")
    return None


def handle(
    request: HttpRequest, split_body: Callable[[dict], list[EventToStore]] | None = None
) -> HttpResponse | list[EventToStore]:
    """The handshake (GET), or the signature then one event per item (POST)."""
    if request.method == "GET":
        return verification_response(request)
    if request.method != "POST":
        return HttpResponse("method not allowed", status=405)
    return refuse_unsigned(request) or events_from_delivery(request.body, split_body or split)


def split(body: dict[str, Any]) -> list[EventToStore]:
    """One event per item, `{object, entry_id, entry_time, field, value}`; what is not shaped
    like an item is kept, as a poisoned event when it is not even an object."""
    events = []
    obj = str(body.get("object") or "")
    for entry in _as_list(body.get("entry")):
        if not isinstance(entry, dict):
            events.append(
                _event(
                    {"object": obj, "entry_id": "", "field": "entry", "value": entry},
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
                            poison=f"a {list_name} item is not an object",
                        )
                    )
                elif list_name == "changes":
                    events.append(_change(common, item))
                else:
                    events.append(_event({**common, "field": list_name, "value": item}))
        rest = set(entry) - ENTRY_META - set(ITEM_LISTS)
        if "field" in entry and "value" in entry and "changes" not in entry:
            events.append(_change(common, entry))  # a change without its wrapper
            rest -= {"field", "value"}
        if rest:
            events.append(
                _event({**common, "field": "entry", "value": {k: entry[k] for k in sorted(rest)}})
            )
    return events


def _change(common: dict[str, Any], change: dict) -> EventToStore:
    return _event({**common, "field": str(change.get("field") or ""), "value": change.get("value")})


def _as_list(value: Any) -> list:
    # One item where a list belongs is still one item, not its keys or characters.
    if not value:
        return []
    return value if isinstance(value, list) else [value]


def delivery_key(field: str, entry_id: str, value: Any) -> str:
    """The one key scheme for Meta items: field, entry (Page or account) and a content hash."""
    digest = hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=True).encode())
    return f"{field[:20]}:{entry_id}:{digest.hexdigest()}"


def _event(payload: dict[str, Any], *, poison: str = "") -> EventToStore:
    entry_id = payload["entry_id"]
    return EventToStore(
        delivery_key=delivery_key(payload["field"], entry_id, payload["value"]),
        payload=payload,
        channel_external_id=entry_id,
        poison=poison,
    )
