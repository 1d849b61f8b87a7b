"""The Outbox page (issue 12): what has not gone out, across the team, in fixed queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inbox.models import ChannelStatus, Direction, Message, OutboundAction
from tests.support import factories

pytestmark = pytest.mark.django_db


def waiting_actions(n: int, channel) -> None:
    for i in range(n):
        convo = factories.make_conversation(channel, text=f"question {i}", customer=f"C {i}")
        out = Message.objects.create(
            conversation=convo,
            channel=channel,
            direction=Direction.OUTBOUND,
            text=f"answer {i}",
            platform_timestamp=convo.last_message_at,
        )
        OutboundAction.objects.create(
            channel=channel,
            conversation=convo,
            message=out,
            kind="reply",
            state=["failed", "held", "queued"][i % 3],
            reason=f"reason {i}",
        )
    OutboundAction.objects.create(
        channel=channel,
        kind="reply",
        state="done",
        attempts=1,
        first_attempt_at=channel.created_at,
        last_attempt_at=channel.created_at,
    )


def outbox_page(client) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("inbox:outbox"))
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_outbox_lists_what_has_not_gone_out_in_fixed_queries(agent_client):
    channel = factories.make_channel("testchat")
    waiting_actions(3, channel)
    html, small = outbox_page(agent_client)
    assert html.count('class="action-row') == 3
    assert "reason 0" in html and "reason 1" in html and "reason 2" in html
    assert html.count('class="retry"') == 2  # the failed one, the held one
    waiting_actions(30, channel)
    html, large = outbox_page(agent_client)
    assert html.count('class="action-row') == 33
    assert small == large == 4  # session, user, counts, rows


def test_held_work_on_a_disconnected_channel_offers_no_retry(agent_client):
    channel = factories.make_channel("testchat", status=ChannelStatus.NEEDS_RECONNECT)
    waiting_actions(2, channel)  # one failed, one held
    html, _ = outbox_page(agent_client)
    assert html.count('class="retry"') == 1


def test_outbox_needs_an_agent(client):
    response = client.get(reverse("inbox:outbox"))
    assert response.status_code in (302, 403)
