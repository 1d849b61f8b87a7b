"""The Account Activity webhook at /webhooks/x/: CRC handshake, signature, one event per item.

https://developer.x.com/en/docs/x-api/enterprise/account-activity-api/guides/securing-webhooks
AAA is enterprise-only and being deprecated, so it only speeds things up: polling reads the
same tweets and DMs, and both paths meet in the same upsert.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from inbox.connectors import EventToStore
from inbox.payloads import events_from_delivery

# Activity arrays we store one item at a time; anything else is stored whole, as unsupported.
ITEM_TYPES = {
    "tweet_create_events": lambda item: item.get("id_str") or str(item.get("id", "")),
    "direct_message_events": lambda item: str(item.get("id", "")),
    "favorite_events": lambda item: str(item.get("id", "")),
    "tweet_delete_events": lambda item: _id_of_status(item.get("status")),
}
ENVELOPE_KEYS = {"for_user_id", "user_has_blocked", "users", "apps", "source"}


def signature(secret: str, data: bytes) -> str:
    """`sha256=` + base64(HMAC-SHA256(consumer secret, data)): used for CRC and for bodies."""
    digest = hmac.new(secret.encode(), data, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode()


def crc_response(crc_token: str) -> dict:
    return {"response_token": signature(settings.X_CONSUMER_SECRET, crc_token.encode())}


def handle(request: HttpRequest) -> HttpResponse | list[EventToStore]:
    if request.method == "GET":
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            return HttpResponse("crc_token missing", status=400, content_type="text/plain")
        return JsonResponse(crc_response(crc_token))
    if request.method != "POST":
        return HttpResponse(status=405)
    given = request.headers.get("x-twitter-webhooks-signature", "")
    expected = signature(settings.X_CONSUMER_SECRET, request.body)
    # Anyone can compute an HMAC with an empty key: without the secret, nothing is genuine.
    if not settings.X_CONSUMER_SECRET or not hmac.compare_digest(given.encode(), expected.encode()):
        return HttpResponse("bad signature", status=403, content_type="text/plain")
    return events_from_delivery(request.body, split)


def split(body: dict) -> list[EventToStore]:
    """One stored event per tweet, DM, like or deletion, keyed by X's own id.

    AAA retries and replays whole bodies; keys on the item ids make the repeats no-ops.
    An item that is not an object, or has no id, is keyed by its content instead.
    """
    for_user = str(body.get("for_user_id", ""))
    events = []
    for key, value in body.items():
        if key in ENVELOPE_KEYS:
            continue
        id_of = ITEM_TYPES.get(key)
        if id_of is None or not isinstance(value, list):
            events.append(
                EventToStore(
                    delivery_key=f"aaa:{key[:40]}:{_digest(value)}",
                    channel_external_id=for_user,
                    payload={"source": "aaa", "type": key, "for_user_id": for_user, "item": value},
                )
            )
            continue
        for item in value:
            payload = {"source": "aaa", "type": key, "for_user_id": for_user, "item": item}
            poison = "" if isinstance(item, dict) else f"a {key} item is not an object"
            if key == "direct_message_events":
                payload["users"] = body.get("users") or {}
            item_id = "" if poison else id_of(item)
            events.append(
                EventToStore(
                    delivery_key=f"aaa:{key}:{item_id or _digest(item)}",
                    channel_external_id=for_user,
                    payload=payload,
                    poison=poison,
                )
            )
    return events


def _id_of_status(status: object) -> str:
    return str(status.get("id", "")) if isinstance(status, dict) else ""


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:32]
