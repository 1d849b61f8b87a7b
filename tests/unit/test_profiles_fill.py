"""Profiles fill in what an event left out, and never overwrite what we already know."""

import pytest

from inbox.models import Contact, Identity
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event, post_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def channel(testchat_platform):
    return factories.make_channel(
        "testchat", external_id=ACCOUNT, api_base_url=testchat_platform.url
    )


def nameless(id, author):
    e = event(id, author=author, text="Сколько стоит доставка?")
    del e["from"]["name"]
    return e


def test_a_handle_names_the_customer_when_the_platform_gives_no_name(
    client, channel, testchat_platform
):
    testchat_platform.profiles["u7"] = {"handle": "ivan.petrov.spb"}
    post_events(client, nameless("c1", "u7"))

    identity = Identity.objects.get(external_id="u7")
    assert identity.handle == "ivan.petrov.spb"
    assert identity.contact.name == "ivan.petrov.spb"


def test_a_withheld_profile_keeps_the_identity_readable_and_is_asked_once(
    client, channel, testchat_platform
):
    post_events(client, nameless("c1", "u8"))
    post_events(client, nameless("c2", "u8"))

    identity = Identity.objects.get(external_id="u8")
    assert identity.profile_fetched_at is not None
    assert identity.display_name == "testchat user …u8"
    assert [c for c in testchat_platform.calls if c == ("GET", "/users/u8")] == [
        ("GET", "/users/u8")
    ]


def test_an_agent_renamed_contact_is_left_alone(client, channel, testchat_platform):
    post_events(client, nameless("c1", "u9"))  # withheld: fetched once, nothing learned
    contact = Identity.objects.get(external_id="u9").contact
    Contact.objects.filter(pk=contact.pk).update(name="Ivan (VIP, Tallinn store)")
    Identity.objects.filter(external_id="u9").update(profile_fetched_at=None)
    testchat_platform.profiles["u9"] = {"name": "Ivan Petrov"}

    post_events(client, nameless("c2", "u9"))

    assert Identity.objects.get(external_id="u9").name == "Ivan Petrov"
    assert Contact.objects.get(pk=contact.pk).name == "Ivan (VIP, Tallinn store)"
