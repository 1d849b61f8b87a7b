"""Customers get a name and an avatar even when the event carries only a platform id.

A Messenger webhook names its sender only by PSID; the User Profile API fills in the rest
(https://developers.facebook.com/docs/messenger-platform/identity/user-profile). The Graph
stand-in answers that call, and withholds the profile of a person who has not allowed it.
"""

import pytest

from inbox.models import Contact, Identity
from tests.support.facebook import make_fb_channel, post_signed

MARINA = {"id": "6984412238391107", "name": "Марина Соколова"}


@pytest.fixture
def standin(graph_standin):
    return graph_standin


@pytest.fixture
def pump(client, django_capture_on_commit_callbacks, standin):
    def pump():
        standin.webhooks.seal_all()
        for delivery in list(standin.webhooks.queue):
            with django_capture_on_commit_callbacks(execute=True):
                assert post_signed(client, delivery.body).status_code == 200
            standin.webhooks.queue.remove(delivery)

    return pump


@pytest.fixture
def channel(db, standin):
    return make_fb_channel(api_base_url=standin.url)


def test_messenger_sender_gets_the_profile_name_and_avatar(channel, standin, pump):
    standin.add_message(psid="7390125538764019", text="你好，退货政策是什么？", name="芳 王")
    pump()

    identity = Identity.objects.get(external_id="7390125538764019")
    assert identity.name == "芳 王"
    assert identity.avatar_url.startswith("https://")
    assert identity.profile_fetched_at is not None
    assert identity.contact.name == "芳 王"


def test_withheld_profile_never_replaces_a_name_we_know(channel, standin, pump):
    standin.add_comment(message="Где мой заказ?", author=MARINA)
    pump()

    identity = Identity.objects.get(external_id=MARINA["id"])
    assert identity.name == "Марина Соколова"
    assert identity.profile_fetched_at is not None  # asked once, not on every message
    assert Contact.objects.get().name == "Марина Соколова"


def test_profile_is_fetched_once_per_person(channel, standin, pump):
    for text in ("one", "two", "three"):
        standin.add_message(psid="7390125538764019", text=text, name="芳 王")
        pump()

    profile_calls = [path for method, path in standin.calls if path == "/7390125538764019"]
    assert len(profile_calls) == 1
