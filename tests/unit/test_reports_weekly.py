"""The weekly summary e-mail: last week's figures, to each manager separately."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from inbox.models import Conversation
from reports.weekly import last_week, send_weekly_summary
from tests.support import factories

pytestmark = pytest.mark.django_db


def test_last_week_is_monday_to_sunday_before():
    scope = last_week(date(2026, 3, 11))  # a Wednesday
    assert (scope.date_from, scope.date_to) == (date(2026, 3, 2), date(2026, 3, 8))
    assert last_week(date(2026, 3, 9)).date_from == date(2026, 3, 2)  # on the Monday itself


def test_each_manager_gets_the_summary(manager, agent, admin_user):
    factories.make_user("inactive", role="manager", is_active=False)
    channel = factories.make_channel(name="Polaris")
    for minutes in (10, 20):
        inbound = datetime(2026, 3, 3, 10, tzinfo=UTC)
        c = factories.make_conversation(channel, at=inbound)
        Conversation.objects.filter(pk=c.pk).update(
            first_response_at=inbound + timedelta(minutes=minutes)
        )
    factories.make_conversation(channel, at=datetime(2026, 3, 10, 10, tzinfo=UTC))  # this week
    assert send_weekly_summary(date(2026, 3, 11)) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([manager.email, admin_user.email])
    message = mail.outbox[0]
    assert message.subject == "Switchboard week of 02 Mar: 2 conversations"
    assert "response rate 100 %" in message.body
    assert "median 15 min" in message.body
    assert "/reports/?date_from=2026-03-02&date_to=2026-03-08" in message.body
