"""Storm detection: a post that suddenly gets 40 complaints in 10 minutes is flagged within a
minute, once; its usual chatter is not; the rule condition sees it."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from inbox.models import Conversation, ConversationKind, Direction, Message
from reports.models import Storm
from reports.storms import detect, is_storming, storming_posts
from rules.engine import compile_conditions
from rules.item import Item
from slack.models import SlackMessage
from tests.support import factories

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def comment(channel, post: str, at: datetime, *, intent: str = "question") -> Conversation:
    c = factories.make_conversation(
        channel, kind=ConversationKind.COMMENT, at=at, context_external_id=post, intent=intent
    )
    Message.objects.filter(conversation=c).update(platform_timestamp=at)
    return c


def usual_day(channel, post: str, *, per_hour: int = 6):
    """A busy post's ordinary day: a comment every ten minutes, a few complaints."""
    for n in range(24 * per_hour):
        at = NOON - timedelta(minutes=15) - timedelta(minutes=60 / per_hour * n)
        comment(channel, post, at, intent="complaint" if n % 10 == 0 else "question")


def complaints_burst(channel, post: str, count: int = 40, *, start=NOON - timedelta(minutes=10)):
    return [
        comment(channel, post, start + timedelta(seconds=15 * n), intent="complaint")
        for n in range(count)
    ]


def test_forty_complaints_in_ten_minutes_are_flagged_once(django_capture_on_commit_callbacks):
    page = factories.make_channel("facebook", name="Polaris")
    usual_day(page, "post-sale")
    usual_day(page, "post-calm")
    complaints_burst(page, "post-sale")
    with django_capture_on_commit_callbacks(execute=True):
        opened = detect(NOON)
    assert [(s.context_external_id, s.peak_comments) for s in opened] == [("post-sale", 40)]
    assert "40 comments in 10 minutes" in opened[0].reason
    assert storming_posts() == {(page.pk, "post-sale")}
    # The next minute's run keeps the same storm, and opens nothing new.
    comment(page, "post-sale", NOON + timedelta(seconds=30), intent="insult")
    assert detect(NOON + timedelta(minutes=1)) == []
    assert Storm.objects.count() == 1


def test_a_storm_is_flagged_within_a_minute_of_the_burst():
    page = factories.make_channel("facebook", name="Polaris")
    usual_day(page, "post-sale")
    # The burst: a complaint every 15 s from 11:50. By 11:51:45 the window holds 8 of them
    # against one ordinary comment (the post's usual share of complaints is 10 %): the run
    # of 11:52, a beat tick later, flags it, before the rate alone would (20 comments at
    # 11:54:45); later runs keep the one storm.
    complaints_burst(page, "post-sale")
    flagged = {minute: len(detect(NOON - timedelta(minutes=10 - minute))) for minute in range(11)}
    assert flagged == {0: 0, 1: 0, 2: 1, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0, 10: 0}


def test_a_busy_post_at_its_usual_rate_is_no_storm():
    page = factories.make_channel("facebook", name="Polaris")
    usual_day(page, "post-busy", per_hour=150)  # 25 every ten minutes, all day
    for n in range(25):
        comment(page, "post-busy", NOON - timedelta(seconds=20 * n))
    assert detect(NOON) == []


def test_anger_alone_flags_a_quieter_post():
    page = factories.make_channel("instagram", name="polaris.outdoor")
    usual_day(page, "media-1", per_hour=1)
    for n in range(10):
        comment(
            page,
            "media-1",
            NOON - timedelta(minutes=9) + timedelta(seconds=30 * n),
            intent="insult" if n % 2 else "complaint",
        )
    storms = detect(NOON)
    assert len(storms) == 1 and "10 of 10 comments" in storms[0].reason


def test_storm_ends_after_a_quiet_spell_and_a_new_one_can_open():
    page = factories.make_channel("facebook", name="Polaris")
    complaints_burst(page, "post-sale")
    detect(NOON)
    detect(NOON + timedelta(minutes=31))
    assert storming_posts() == set()
    complaints_burst(page, "post-sale", start=NOON + timedelta(hours=2))
    assert len(detect(NOON + timedelta(hours=2, minutes=10))) == 1
    assert Storm.objects.count() == 2


@override_settings(
    STORM_SLACK_URL="https://hooks.slack.example/T/B/x",
    STORM_WEBHOOK_URL="https://ops.example/storms",
)
def test_announced_once_to_slack_and_the_webhook(monkeypatch, django_capture_on_commit_callbacks):
    sent = []
    # Slack's post is a stored, retried row (slack/); what it would send is read from it.
    monkeypatch.setattr(
        "slack.delivery.queue_post",
        lambda pk, **kw: sent.append(
            (
                SlackMessage.objects.get(pk=pk).target["url"],
                json.loads(SlackMessage.objects.get(pk=pk).body)["text"],
            )
        ),
    )
    monkeypatch.setattr(
        "rules.notify.queue_webhook", lambda url, payload, **_: sent.append((url, payload["event"]))
    )
    page = factories.make_channel("facebook", name="Polaris <Outdoor>")
    complaints_burst(page, "post-sale")
    with django_capture_on_commit_callbacks(execute=True):
        detect(NOON)
    with django_capture_on_commit_callbacks(execute=True):
        detect(NOON + timedelta(minutes=1))
    assert sorted(url for url, _ in sent) == [
        "https://hooks.slack.example/T/B/x",
        "https://ops.example/storms",
    ]
    assert "Polaris &lt;Outdoor&gt;" in dict(sent)["https://hooks.slack.example/T/B/x"]
    assert Storm.objects.get().notified_at is not None


def test_rule_condition_post_is_storming():
    page = factories.make_channel("facebook", name="Polaris")
    burst = complaints_burst(page, "post-sale")
    calm = comment(page, "post-calm", NOON)
    detect(NOON)
    storming = {"type": "post_storming", "value": True}
    assert is_storming(burst[0])
    assert (
        compile_conditions(storming)(Item(burst[-1], burst[-1].messages.get()))
        == "post is storming"
    )
    assert compile_conditions(storming)(Item(calm, calm.messages.get())) is None
    assert (
        compile_conditions({"type": "post_storming", "value": False})(
            Item(calm, calm.messages.get())
        )
        == "post is calm"
    )


def test_our_own_replies_do_not_count():
    page = factories.make_channel("facebook", name="Polaris")
    c = comment(page, "post-sale", NOON - timedelta(minutes=5))
    for n in range(40):
        Message.objects.create(
            conversation=c,
            channel=page,
            direction=Direction.OUTBOUND,
            text="Sorry!",
            platform_timestamp=NOON - timedelta(seconds=n),
        )
    assert detect(NOON) == []


def test_a_young_post_as_busy_as_it_has_been_since_it_went_up_is_no_storm():
    """30 comments in a new post's first 15 minutes, then 22 in ten: its own pace, not a
    storm. Spread over a whole day (144 windows) its usual rate would look like 0.2."""
    page = factories.make_channel("facebook", name="Polaris")
    for n in range(30):
        comment(page, "post-new", NOON - timedelta(minutes=25) + timedelta(seconds=30 * n))
    for n in range(22):
        comment(page, "post-new", NOON - timedelta(minutes=9) + timedelta(seconds=20 * n))
    assert detect(NOON) == []


def test_a_young_post_that_suddenly_bursts_is_a_storm():
    page = factories.make_channel("facebook", name="Polaris")
    for n in range(3):
        comment(page, "post-new", NOON - timedelta(minutes=25) + timedelta(minutes=5 * n))
    complaints_burst(page, "post-new", count=25, start=NOON - timedelta(minutes=8))
    storms = detect(NOON)
    assert len(storms) == 1 and "25 comments in 10 minutes" in storms[0].reason


def test_a_visitor_post_drawing_a_storm_is_flagged():
    """A customer's post on the Page is one conversation; its comments are its messages."""
    page = factories.make_channel("facebook", name="Polaris")
    post = factories.make_conversation(
        page,
        kind=ConversationKind.POST,
        at=NOON - timedelta(minutes=9),
        context_external_id="visitor-post-1",
        intent="question",
    )
    Message.objects.bulk_create(
        Message(
            conversation=post,
            channel=page,
            direction=Direction.INBOUND,
            text="Same here!",
            platform_timestamp=NOON - timedelta(minutes=8) + timedelta(seconds=10 * n),
            state_timestamp=NOON,
        )
        for n in range(30)
    )
    storms = detect(NOON)
    assert [s.context_external_id for s in storms] == ["visitor-post-1"]
    assert detect(NOON + timedelta(minutes=1)) == []  # once
