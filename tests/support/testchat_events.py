"""Build and post signed Testchat webhooks through the real URL."""

import json

from tests.support.testchat.connector import sign

ACCOUNT = "acct-1"


def event(
    id,
    *,
    thread="t1",
    text="hello",
    verb="add",
    ts=1_700_000_000,
    author="u1",
    name="Kadri Tamm",
    parent="",
    echo=False,
):
    e = {
        "account": ACCOUNT,
        "id": id,
        "thread": thread,
        "verb": verb,
        "ts": ts,
        "from": {"id": author, "name": name},
    }
    if verb != "remove":
        e["text"] = text
    if parent:
        e["parent"] = parent
    if echo:
        e["echo"] = True
    return e


def post_events(client, *events, signature=None):
    body = json.dumps({"events": list(events)}).encode()
    return client.post(
        "/webhooks/testchat/",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature if signature is not None else sign(body),
    )
