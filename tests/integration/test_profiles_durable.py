"""A customer's profile is durable enrichment: a broker outage or a failing read loses nothing.

Against the Graph stand-in over real HTTP: a Messenger webhook names the sender only by PSID,
the profile (name, picture) is a separate read that the ingest marks as wanted in the
message's own commit, and the sweep fetches whatever the broker never delivered.
"""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from inbox import channels
from inbox.models import ChannelStatus, Identity
from inbox.tasks import sweep
from tests.support.facebook import make_fb_channel, post_signed

PSID = "7390125538764019"
NAME = "芳 王"


@pytest.fixture
def standin(graph_standin):
    return graph_standin


@pytest.fixture
def channel(db, standin):
    return make_fb_channel(api_base_url=standin.url)


@pytest.fixture
def pump(client, django_capture_on_commit_callbacks, standin):
    def pump() -> None:
        standin.webhooks.seal_all()
        for delivery in list(standin.webhooks.queue):
            with django_capture_on_commit_callbacks(execute=True):
                assert post_signed(client, delivery.body).status_code == 200
            standin.webhooks.queue.remove(delivery)

    return pump


def profile_reads(standin) -> int:
    return sum(1 for call in standin.calls if call == ("GET", f"/{PSID}"))


def time_passes_and_beat_sweeps(django_capture_on_commit_callbacks) -> None:
    Identity.objects.filter(profile_due_at__isnull=False).update(
        profile_due_at=timezone.now() - timedelta(seconds=1)
    )
    with override_settings(SWEEP_GRACE_SECONDS=0), django_capture_on_commit_callbacks(execute=True):
        sweep()


def test_a_profile_the_broker_never_queued_is_fetched_by_the_sweep_once(
    channel, standin, pump, monkeypatch, django_capture_on_commit_callbacks
):
    standin.add_message(psid=PSID, text="你好", name=NAME)
    real_publish = "inbox.queueing.publish"
    with monkeypatch.context() as broker_down:
        # The webhook is stored and processed inline; only the profile fetch needs the broker.
        from inbox import ingest

        broker_down.setattr(real_publish, lambda *args, **kwargs: False)
        pump()
        for event in ingest.events_due_for_sweep(grace=timedelta(0)):
            ingest.process_event(event)
    identity = Identity.objects.get(external_id=PSID)
    assert identity.name == "" and identity.profile_due_at is not None
    assert profile_reads(standin) == 0

    time_passes_and_beat_sweeps(django_capture_on_commit_callbacks)
    identity.refresh_from_db()
    assert identity.name == NAME and identity.contact.name == NAME
    assert identity.avatar_url.startswith("https://")
    assert identity.profile_due_at is None
    time_passes_and_beat_sweeps(django_capture_on_commit_callbacks)
    assert profile_reads(standin) == 1  # once, however often the sweep runs


def test_a_failing_profile_read_backs_off_then_succeeds(
    channel, standin, pump, django_capture_on_commit_callbacks
):
    standin.inject("500", match=PSID, count=2)
    standin.add_message(psid=PSID, text="你好", name=NAME)
    pump()
    identity = Identity.objects.get(external_id=PSID)
    assert identity.name == "" and identity.profile_error
    assert identity.profile_due_at - timezone.now() > timedelta(seconds=20)  # backed off
    with override_settings(SWEEP_GRACE_SECONDS=0):
        assert sweep()["profiles"] == 0  # not due yet: the platform is left alone

    time_passes_and_beat_sweeps(django_capture_on_commit_callbacks)  # fails again: longer
    identity.refresh_from_db()
    assert identity.profile_attempts == 2
    assert identity.profile_due_at - timezone.now() > timedelta(seconds=50)
    time_passes_and_beat_sweeps(django_capture_on_commit_callbacks)
    identity.refresh_from_db()
    assert identity.name == NAME and identity.profile_due_at is None
    assert profile_reads(standin) == 3


def test_an_expired_token_waits_for_the_reconnect(
    channel, standin, pump, django_capture_on_commit_callbacks
):
    standin.add_message(psid=PSID, text="你好", name=NAME)
    standin.expire_token()
    pump()
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    identity = Identity.objects.get(external_id=PSID)
    assert identity.name == "" and identity.profile_due_at is not None
    with override_settings(SWEEP_GRACE_SECONDS=0):
        Identity.objects.update(profile_due_at=timezone.now() - timedelta(seconds=1))
        assert sweep()["profiles"] == 0  # nothing reads through a dead token

    with django_capture_on_commit_callbacks(execute=True):
        channels.reconnect(channel, credentials={"access_token": standin.renew_token()})
    identity.refresh_from_db()
    assert identity.name == NAME and identity.profile_due_at is None
