"""A signed webhook is accepted with one INSERT for its whole batch and queued at once."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_fb.standin import PAGE_ID
from inbox.models import EventState, InboundEvent
from tests.support.facebook import make_fb_channel, post_signed
from tests.support.queries import data_statements

pytestmark = pytest.mark.django_db


def comments(*ids: str) -> dict:
    return {
        "object": "page",
        "entry": [
            {
                "id": PAGE_ID,
                "time": 1700000000000,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "comment_id": cid,
                            "post_id": f"{PAGE_ID}_1",
                            "parent_id": f"{PAGE_ID}_1",
                            "from": {"id": "42", "name": "Mari"},
                            "message": f"Hello {cid}",
                            "created_time": 1700000000,
                        },
                    }
                    for cid in ids
                ],
            }
        ],
    }


def writes(ctx) -> list[str]:
    return [
        sql
        for sql in data_statements(ctx)
        if sql.split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]


def test_a_batch_is_one_insert_and_one_task_for_the_channel(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    channel = make_fb_channel()
    queued = []
    monkeypatch.setattr(
        "inbox.queueing.publish", lambda task, args, **kw: queued.append(args[0]) or True
    )
    with (
        CaptureQueriesContext(connection) as ctx,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post_signed(client, comments("c1", "c2", "c3"))
    assert response.status_code == 200
    assert response.content == b"stored 3 of 3"
    assert len(writes(ctx)) == 1  # the INSERT, which also stamps them queued
    events = InboundEvent.objects.filter(channel_kind="facebook").order_by("pk")
    assert [e.channel_id for e in events] == [channel.pk] * 3
    assert all(e.state == EventState.STORED and e.queued_at for e in events)
    assert queued == [channel.pk]  # one task takes the channel's burst

    # Meta retries the batch with one more comment: only the new one is stored, and the
    # channel's task, still on its way, takes it: nothing more is published.
    queued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, comments("c1", "c2", "c3", "c4"))
    assert response.content == b"stored 1 of 4"
    assert queued == []
    assert InboundEvent.objects.get(payload__value__comment_id="c4").queued_at


def test_with_the_broker_down_events_are_stored_and_left_for_the_sweep(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    make_fb_channel()
    monkeypatch.setattr("inbox.queueing.publish", lambda *args, **kwargs: False)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_signed(client, comments("d1", "d2"))
    assert response.status_code == 200
    events = InboundEvent.objects.filter(channel_kind="facebook")
    assert events.count() == 2
    # Not stamped as queued, so the sweep queues them at its next run.
    assert not events.filter(queued_at__isnull=False).exists()


def test_an_event_for_no_connected_channel_is_kept_without_one(client, monkeypatch):
    monkeypatch.setattr("inbox.queueing.publish", lambda *args, **kwargs: True)
    response = post_signed(client, comments("e1"))
    assert response.status_code == 200
    assert InboundEvent.objects.get(channel_kind="facebook").channel_id is None
