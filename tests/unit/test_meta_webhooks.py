"""Meta's one batch splitter and one deliverer, shared by Facebook and Instagram."""

from __future__ import annotations

import copy
import json

from channels_fb.webhooks import split as split_facebook
from channels_ig.webhooks import split as split_instagram
from meta.standin.delivery import Deliverer, meta_json
from meta.webhooks import sign_body, split, verify_signature
from switchboard.standin_server import served

COMMENT = {"field": "comments", "value": {"id": "1795", "text": "Hi", "media": {"id": "18"}}}


def batch(*, time: int = 1742061022, obj: str = "instagram") -> dict:
    return {"object": obj, "entry": [{"id": "178414", "time": time, "changes": [COMMENT]}]}


def test_facebook_and_instagram_split_alike_with_one_key_scheme():
    (fb,) = split_facebook(batch(obj="page"))
    (ig,) = split_instagram(batch())
    assert fb.delivery_key == ig.delivery_key
    assert fb.delivery_key.startswith("comments:178414:")
    assert ig.payload == {
        "object": "instagram",
        "entry_id": "178414",
        "entry_time": 1742061022,
        "field": "comments",
        "value": COMMENT["value"],
    }


def test_the_same_item_re_batched_later_is_the_same_event_and_an_edit_is_another():
    (first,) = split(batch(time=1))
    (retried,) = split(batch(time=99))
    edited = batch()
    edited["entry"][0]["changes"][0] = copy.deepcopy(COMMENT)
    edited["entry"][0]["changes"][0]["value"]["text"] = "Hi again"
    (edit,) = split(edited)
    assert first.delivery_key == retried.delivery_key != edit.delivery_key


def test_a_change_without_its_wrapper_and_an_item_that_is_not_an_object():
    unwrapped = {"object": "instagram", "entry": [{"id": "178414", "time": 1, **COMMENT}]}
    (event,) = split(unwrapped)
    assert (event.payload["field"], event.payload["value"]) == ("comments", COMMENT["value"])

    (poisoned,) = split({"object": "page", "entry": [{"id": "1", "messaging": ["oops"]}]})
    assert poisoned.poison == "a messaging item is not an object"


class Receiver:
    """A webhook endpoint that refuses the first `refuse` posts, then keeps the bodies."""

    def __init__(self, refuse: int = 0):
        self.refuse, self.bodies = refuse, []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        signed = verify_signature(body, environ.get("HTTP_X_HUB_SIGNATURE_256"), "secret")
        if self.refuse or not signed:
            self.refuse -= 1
            start_response("500 Internal Server Error", [])
            return [b""]
        self.bodies.append(body)
        start_response("200 OK", [])
        return [b"ok"]


def test_a_refused_delivery_is_sent_again_byte_for_byte_and_signed():
    with served(Receiver(refuse=1)) as receiver:
        webhooks = Deliverer(object_name="page", app_secret="secret", callback_url=receiver.url)
        webhooks.add({"id": "1", "time": 1, "changes": [{"field": "feed", "value": {"a": "é/"}}]})
        webhooks.add({"id": "1", "time": 1, "messaging": [{"mid": "m1"}]}, group="messaging")
        assert webhooks.deliver_due(force=True) == 1  # feed and messaging go separately
        assert webhooks.pending == 1
        refused = webhooks.attempts[0]["body"]
        assert webhooks.deliver_due(force=True) == 1
    assert webhooks.pending == 0
    assert refused in receiver.bodies  # the same bytes, signed again
    assert b"\\u00e9\\/" in refused  # escaped as Meta escapes
    assert json.loads(refused)["object"] == "page"
    assert sign_body(refused, "secret").startswith("sha256=")


def test_in_the_background_it_delivers_once_a_callback_url_is_set():
    with served(Receiver()) as receiver:
        webhooks = Deliverer(object_name="instagram", app_secret="secret", batch_window=0.01)
        webhooks.start()
        try:
            webhooks.add({"id": "1", "time": 1, "changes": [COMMENT]})
            assert not webhooks.wait_idle(0.3)  # nowhere to deliver yet
            webhooks.callback_url = receiver.url
            assert webhooks.wait_idle(5)
        finally:
            webhooks.stop()
    assert meta_json(batch(time=1) | {"entry": [{"id": "1", "time": 1, "changes": [COMMENT]}]}) in (
        receiver.bodies
    )
