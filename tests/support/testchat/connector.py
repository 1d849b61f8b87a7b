"""A deliberately small platform connector that exercises the foundation end to end.

Its "platform" (platform.py) speaks plain JSON over real HTTP, so the outbox's timeouts,
rate limits and retries are tested against a real socket, not a patched function.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

from django.http import HttpResponse

from inbox.connectors import (
    AuthExpired,
    Capability,
    Connector,
    EventToStore,
    IdentityData,
    InboundItem,
    ItemKind,
    RateLimited,
    Rejected,
    Unavailable,
    UnsupportedItem,
)
from inbox.http import ApiClient

SECRET = b"testchat-secret"


class TestchatClient(ApiClient):
    __test__ = False

    def __init__(self, channel):
        super().__init__(channel.api_base_url, timeout=channel.config.get("timeout", 2))
        self.token = channel.credentials.get("token", "")

    def prepare(self, method, params, headers):
        headers["Authorization"] = f"Bearer {self.token}"

    def translate_error(self, response):
        body = response.json() if response.content else {}
        code = body.get("code")
        if code == "rate_limited":
            return RateLimited(datetime.fromtimestamp(body["retry_at"], UTC))
        if code == "token_expired":
            return AuthExpired(body.get("message", "token expired"))
        if code == "refused":
            return Rejected(body.get("message", "refused"))
        return Unavailable(f"HTTP {response.status_code}")


def sign(body: bytes) -> str:
    return hmac.new(SECRET, body, hashlib.sha256).hexdigest()


class TestchatConnector(Connector):
    __test__ = False
    kind = "testchat"
    label = "Testchat"
    capabilities = frozenset(
        {Capability.REPLY, Capability.LIKE, Capability.HIDE, Capability.DELETE}
    )

    def handle_webhook(self, request):
        given = request.headers.get("X-Signature", "")
        if not hmac.compare_digest(given, sign(request.body)):
            return HttpResponse("bad signature", status=403)
        try:
            body = json.loads(request.body)
        except ValueError:
            return [
                EventToStore(
                    delivery_key=hashlib.sha256(request.body).hexdigest(),
                    payload={"unparseable": request.body.decode(errors="replace")},
                )
            ]
        return [
            EventToStore(
                delivery_key=f"{e.get('id')}:{e.get('verb', 'add')}:{e.get('ts')}",
                payload=e,
                channel_external_id=e.get("account", ""),
            )
            for e in body.get("events", [])
        ]

    def parse(self, event):
        p = event.payload
        if "text" not in p and p.get("verb", "add") != "remove":
            return [UnsupportedItem(f"no text in {sorted(p)}")]
        verb = p.get("verb", "add")
        author = p.get("from")
        return [
            InboundItem(
                kind=ItemKind.COMMENT,
                external_id=p["id"],
                thread_id=p["thread"],
                conversation_kind="comment",
                timestamp=datetime.fromtimestamp(p["ts"], UTC),
                author=IdentityData(
                    platform="testchat", external_id=author["id"], name=author.get("name", "")
                )
                if author
                else None,
                text=p.get("text") if verb != "remove" else None,
                parent_external_id=p.get("parent", ""),
                is_echo=bool(p.get("echo")),
                edited=verb == "edit" or None,
                deleted=verb == "remove" or None,
            )
        ]

    def perform(self, action):
        client = TestchatClient(action.channel)
        if action.kind == "reply":
            body = client.post(
                "/messages",
                json={
                    "thread": action.conversation.external_thread_id,
                    "text": action.message.text,
                    "ref": str(action.pk),
                },
            )
            return body["id"]
        client.post(f"/messages/{action.target_external_id}/{action.kind}")
        return ""

    def fetch_profile(self, channel, identity_external_id):
        body = TestchatClient(channel).get(f"/users/{identity_external_id}")
        return IdentityData(
            platform="testchat",
            external_id=identity_external_id,
            name=body.get("name", ""),
            handle=body.get("handle", ""),
        )

    def find_landed(self, action):
        if action.kind != "reply":
            return None
        client = TestchatClient(action.channel)
        found = client.get("/messages", params={"ref": str(action.pk)})
        return found["data"][0]["id"] if found["data"] else None
