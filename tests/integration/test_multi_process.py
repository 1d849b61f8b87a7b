"""Polling claims and rate-limit budgets across processes, as docker-compose scales workers.

Two real Celery workers on one PostgreSQL and one Redis call the X stand-in over HTTP; the
stand-in's requests are counted, throttled ones included. A due channel is polled once per
interval however many beat ticks race for it (inbox/polling.py claims it with a
conditional UPDATE), and a budget X has reported spent is spent for every process: none
calls that endpoint again before X's reset, and the calls of all processes together stay
within each window's limit (inbox/budgets.py keeps the budget in the channel's row).
The same holds for Meta's Graph on the Facebook stand-in: a throttle one process met holds
every process until access comes back (meta/graph.py).
"""

from __future__ import annotations

import time

import pytest
from django.db import transaction
from django.utils import timezone

from channels_fb.standin import PAGE_ID, GraphStandin
from inbox import outbox
from inbox.models import (
    ActionKind,
    ActionState,
    ConversationKind,
    Direction,
    Message,
    OutboundAction,
)
from inbox.tasks import poll_due_channels
from meta.standin.core import GraphError
from switchboard.standin_server import served
from tests.support import factories
from tests.support.facebook import make_fb_channel
from tests.support.worker import celery_worker, queueing_for_real, shared_broker_url, wait_until
from tests.support.x import KADRI, LIN, MARINA, make_x_channel, seeded_standin

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker_url():
    return shared_broker_url("worker processes")


def count_requests(app) -> list[dict]:
    """Every API request the stand-in answers, refused ones too (its own `calls` leaves
    out the 429s): endpoint, status, when (the stand-in's clock) and the window's reset."""
    seen: list[dict] = []
    handle = app.handle

    def counted(request):
        at = app.now()
        status, body, headers = handle(request)
        if request.get("endpoint"):
            reset = dict(headers).get("x-rate-limit-reset")
            seen.append(
                {
                    "endpoint": request["endpoint"],
                    "status": status,
                    "at": at,
                    "reset": int(reset) if reset else None,
                }
            )
        return status, body, headers

    app.handle = counted
    return seen


INTERVAL = 3  # seconds between polls of the channel
TICKING = 10  # seconds of beat ticks


def test_a_due_channel_is_polled_once_per_interval_however_many_ticks_race(broker_url):
    with served(seeded_standin()) as app:
        seen = count_requests(app)
        app.add_tweet(MARINA, "@polarisoutfit where is order 1?")
        channel = make_x_channel(app.url, sources=["mentions"], poll_interval_seconds=INTERVAL)
        with queueing_for_real(broker_url) as env:
            with celery_worker(env), celery_worker(env):
                started = time.monotonic()
                ticks = 0
                while time.monotonic() - started < TICKING:
                    # Two ticks at once, so both workers claim at the same moment, five
                    # times a second: fifteen times the polls the interval allows.
                    poll_due_channels.delay()
                    poll_due_channels.delay()
                    ticks += 2
                    time.sleep(0.2)
                ticked = time.monotonic() - started
                # The last claim's poll has time to run; none may follow it.
                time.sleep(INTERVAL - 0.5)
    polls = [r["at"] for r in seen if r["endpoint"] == "mentions"]
    assert ticks >= 30
    # Polled again once each interval passed, and never more often.
    assert 2 <= len(polls) <= ticked // INTERVAL + 1, polls
    gaps = [later - earlier for earlier, later in zip(polls, polls[1:], strict=False)]
    # A poll runs a moment after its claim, so two polls can be a little closer than the
    # interval between their claims, never half of it.
    assert min(gaps) > INTERVAL / 2, gaps
    assert Message.objects.filter(channel=channel).count() == 1


WINDOW = 6  # seconds: X's 15-minute window, shortened so the test sees three resets
LIMIT = 3  # likes per window
LIKES = 7


def test_a_spent_rate_limit_holds_for_every_process_until_the_reset(broker_url):
    with served(seeded_standin(window=WINDOW, limits={"like": LIMIT})) as app:
        seen = count_requests(app)
        channel = make_x_channel(app.url, sources=[])
        conversation = factories.make_conversation(channel, kind=ConversationKind.MENTION)
        targets = []
        for n in range(LIKES):
            tweet = app.add_tweet([MARINA, KADRI, LIN][n % 3], f"@polarisoutfit thanks {n}!")
            targets.append(
                Message.objects.create(
                    conversation=conversation,
                    channel=channel,
                    external_id=tweet["id"],
                    direction=Direction.INBOUND,
                    author_identity=conversation.contact.identities.get(),
                    text=tweet["text"],
                    platform_timestamp=timezone.now(),
                    state_timestamp=timezone.now(),
                    routed_at=timezone.now(),
                )
            )
        # X throttles the first like: the rest of that window is spent, for every process.
        app.inject("429", "like")
        with queueing_for_real(broker_url) as env:
            with celery_worker(env) as first, celery_worker(env) as second:
                with transaction.atomic():
                    for target in targets:
                        outbox.enqueue_action(
                            channel=channel,
                            kind=ActionKind.LIKE,
                            conversation=conversation,
                            target=target,
                        )
                wait_until(
                    lambda: OutboundAction.objects.filter(state=ActionState.DONE).count() == LIKES,
                    timeout=30 + WINDOW * (LIKES // LIMIT + 2),
                    message=f"{LIKES} likes, {LIMIT} per {WINDOW} s window",
                )
    likes = sorted((r for r in seen if r["endpoint"] == "like"), key=lambda r: r["at"])
    refused = [r for r in likes if r["status"] == 429]
    # Only the injected throttle was refused: nobody called into a window known spent...
    assert len(refused) == 1, likes
    assert all(r["at"] >= refused[0]["reset"] for r in likes if r is not refused[0]), likes
    # ...and each later window got no more calls than its limit, from both processes.
    windows: dict[int, int] = {}
    for r in likes[1:]:
        windows[r["reset"]] = windows.get(r["reset"], 0) + 1
    assert all(count <= LIMIT for count in windows.values()), windows
    assert len(likes) == LIKES + 1
    assert len(app.likes) == LIKES
    # Both processes sent likes, so the budget was kept between them, not in one.
    for worker in (first, second):
        assert "send_action" in worker.output


GRAPH_WINDOW = 6  # seconds until Graph gives access back: Meta's minutes, shortened
GRAPH_LIKES = 6


def count_graph_calls(app) -> list[dict]:
    """Every Graph call the stand-in answers, throttled ones too: when (its clock), the
    path, and the throttle code when it refused."""
    seen: list[dict] = []
    graph = app.graph

    def counted(method, path, params):
        at = app.clock()
        try:
            answer = graph(method, path, params)
        except GraphError as error:
            seen.append({"at": at, "path": path, "code": error.code})
            raise
        seen.append({"at": at, "path": path, "code": None})
        return answer

    app.graph = counted
    return seen


def test_a_graph_throttle_holds_for_every_process_until_access_comes_back(broker_url):
    with served(GraphStandin()) as app:
        seen = count_graph_calls(app)
        channel = make_fb_channel(api_base_url=app.url)
        conversation = factories.make_conversation(channel, kind=ConversationKind.COMMENT)
        targets = []
        for n in range(GRAPH_LIKES):
            author = {"id": f"73901255387640{n:02d}", "name": f"Customer {n}"}
            comment_id = app.add_comment(message=f"Thanks {n}!", author=author)
            targets.append(
                Message.objects.create(
                    conversation=conversation,
                    channel=channel,
                    external_id=comment_id,
                    direction=Direction.INBOUND,
                    author_identity=conversation.contact.identities.get(),
                    text=f"Thanks {n}!",
                    platform_timestamp=timezone.now(),
                    state_timestamp=timezone.now(),
                    routed_at=timezone.now(),
                )
            )
        with queueing_for_real(broker_url) as env:
            with celery_worker(env) as first, celery_worker(env) as second:
                # The Page is at its limit: Graph refuses every call until access is back.
                app.throttle(minutes=GRAPH_WINDOW / 60)
                access_back = app.throttles[PAGE_ID][0]
                with transaction.atomic():
                    for target in targets:
                        outbox.enqueue_action(
                            channel=channel,
                            kind=ActionKind.LIKE,
                            conversation=conversation,
                            target=target,
                        )
                wait_until(
                    lambda: (
                        OutboundAction.objects.filter(state=ActionState.DONE).count() == GRAPH_LIKES
                    ),
                    timeout=60 + GRAPH_WINDOW,
                    message=f"{GRAPH_LIKES} likes after a {GRAPH_WINDOW} s Graph throttle",
                )
    likes = [call for call in seen if call["path"].endswith("/likes")]
    refused = [call for call in likes if call["code"] is not None]
    # The throttle was met only by the calls already on their way when it began, one per
    # process at most; every other like waited for access to come back, from both.
    assert 1 <= len(refused) <= 2, likes
    assert all(call["at"] >= access_back for call in likes if call["code"] is None), likes
    assert len(likes) == GRAPH_LIKES + len(refused)
    assert len([p for p in app.posted if p["kind"] == "like"]) == GRAPH_LIKES
    for worker in (first, second):
        assert "send_action" in worker.output
