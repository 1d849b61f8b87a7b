"""Channel credentials at rest: what happens when the keys change under a running install."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.test import override_settings
from django.utils import timezone

from inbox import channels, ingest
from inbox.models import Channel, EventState, InboundEvent, Message
from tests.support import factories
from tests.support.testchat_events import ACCOUNT, event

pytestmark = pytest.mark.django_db

TOKEN = {"token": "page-token-1"}


@pytest.fixture
def channel(testchat_platform):
    return factories.make_channel(
        "testchat", external_id=ACCOUNT, credentials=TOKEN, api_base_url=testchat_platform.url
    )


def stored_event(channel, id="c1"):
    payload = event(id, thread="t1", text="hello")
    return InboundEvent.objects.create(
        channel_kind="testchat", channel=channel, delivery_key=f"{id}:add", payload=payload
    )


def test_adding_credentials_keys_keeps_the_channels_connected_before(channel):
    with override_settings(CREDENTIALS_KEYS=[]):  # an install that never set the variable
        channel.save()
    new_key = Fernet.generate_key().decode()
    with override_settings(CREDENTIALS_KEYS=[new_key]):
        reloaded = Channel.objects.get(pk=channel.pk)
        assert reloaded.credentials == TOKEN
        reloaded.save()  # re-encrypted with the new key...
    # ...so it no longer depends on SECRET_KEY at all.
    with override_settings(CREDENTIALS_KEYS=[new_key], SECRET_KEY="another-secret-key-" * 3):
        assert Channel.objects.get(pk=channel.pk).credentials == TOKEN


def test_a_secret_key_change_retries_the_event_with_a_clear_error_then_fails_it(channel):
    pending = stored_event(channel)
    with override_settings(SECRET_KEY="a-new-secret-key-" * 3, CREDENTIALS_KEYS=[]):
        assert ingest.process_event(pending.pk) is None
        pending.refresh_from_db()
        assert pending.state == EventState.RETRY
        assert pending.attempts == 1
        assert "channel credentials cannot be decrypted: reconnect" in pending.last_error

        # The sweep takes it again when due, a bounded number of times.
        for _ in range(20):
            InboundEvent.objects.filter(pk=pending.pk, state=EventState.RETRY).update(
                next_attempt_at=timezone.now() - timedelta(seconds=1)
            )
            ingest.process_event(pending.pk)
        pending.refresh_from_db()
    assert pending.state == EventState.FAILED
    assert pending.attempts == ingest.MAX_EVENT_ATTEMPTS
    assert "cannot be decrypted" in pending.last_error
    assert not Message.objects.exists()


def test_with_the_key_restored_the_retried_event_goes_through(channel):
    pending = stored_event(channel)
    with override_settings(SECRET_KEY="a-new-secret-key-" * 3, CREDENTIALS_KEYS=[]):
        ingest.process_event(pending.pk)
    InboundEvent.objects.filter(pk=pending.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    ingest.process_event(pending.pk)
    pending.refresh_from_db()
    assert (pending.state, pending.attempts) == (EventState.DONE, 2)
    assert Message.objects.get().external_id == "c1"


NEW_SECRET = "a-new-secret-key-" * 3


def test_after_a_key_change_the_channel_can_be_reconnected(channel):
    with override_settings(SECRET_KEY=NEW_SECRET, CREDENTIALS_KEYS=[]):
        unreadable = Channel.objects.get(pk=channel.pk)  # loads: its pages still work
        assert unreadable.credentials == {}
        channels.reconnect(unreadable, credentials={"token": "fresh-token"})
        assert Channel.objects.get(pk=channel.pk).credentials == {"token": "fresh-token"}
        pending = stored_event(channel)
        ingest.process_event(pending.pk)
        pending.refresh_from_db()
        assert pending.state == EventState.DONE


def test_saving_a_channel_under_the_wrong_key_keeps_its_credentials_for_the_right_one(channel):
    with override_settings(SECRET_KEY=NEW_SECRET, CREDENTIALS_KEYS=[]):
        unreadable = Channel.objects.get(pk=channel.pk)
        unreadable.name = "Renamed"
        unreadable.save()
    restored = Channel.objects.get(pk=channel.pk)  # the original key is back
    assert (restored.name, restored.credentials) == ("Renamed", TOKEN)
