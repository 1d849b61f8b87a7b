"""Outgoing webhooks: signed, stored, retried with backoff, swept, redelivered, refused for
private addresses. A real receiver on local HTTP; time passes by moving the rows' due time."""

import json
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from inbox import conversations as ops
from inbox.models import Conversation
from rules import engine
from rules import tasks as rules_tasks
from rules.models import Rule
from slack import tasks as slack_tasks
from slack.models import SlackConnection, SlackMessage
from slack.standin import SlackStandin
from switchboard.standin_server import serve_in_thread, served
from tests.support import factories
from tests.support.queries import data_statements
from tests.support.testchat_events import ACCOUNT, event, post_events
from webhooks_out import delivery as deliveries
from webhooks_out import listeners, schedule, subscribers, tasks
from webhooks_out.models import Delivery, Subscription

DOCS = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"


def documented_verifier():
    """The verification snippet of docs/webhooks.md, run as a receiver would copy it."""
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), re.S).group(1)
    namespace = {}
    exec(compile(code, str(DOCS), "exec"), namespace)  # noqa: S102 - our own docs
    return namespace["verify_switchboard_signature"]


class Receiver:
    """Answers with the given statuses in turn (then 200), keeping what it was sent."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.requests = []
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.requests.append(
                {
                    "body": body,
                    "status": status,
                    "signature": environ.get("HTTP_SWITCHBOARD_SIGNATURE", ""),
                    "delivery": environ.get("HTTP_SWITCHBOARD_DELIVERY", ""),
                    "event": environ.get("HTTP_SWITCHBOARD_EVENT", ""),
                }
            )
        start_response(f"{status} X", [("Content-Type", "text/plain")])
        return [b"thanks" if status == 200 else b"oops"]

    @property
    def accepted(self):
        return [r for r in self.requests if r["status"] == 200]


@pytest.fixture
def receiver():
    made = []

    def start(statuses=()):
        app = Receiver(statuses)
        made.append(serve_in_thread(app))
        app.url = made[-1].url + "/hook"
        return app

    yield start
    for server in made:
        server.stop()


def subscribe(url, *events, owner=None):
    return Subscription.objects.create(
        url=url, events=list(events), created_by=owner, signing={"secret": "whsec_test"}
    )


def time_passes(callbacks):
    """The next retry is due: the beat's sweep finds it and a worker sends it."""
    Delivery.objects.filter(state="pending").update(next_attempt_at=timezone.now())
    with callbacks(execute=True):
        return tasks.sweep()


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_receiver_failing_three_times_gets_the_event_once_after_the_retries(
    receiver, manager, django_capture_on_commit_callbacks
):
    hook = receiver([500, 500, 500])
    subscribe(hook.url, "conversation.closed")
    conversation = factories.make_conversation()

    with django_capture_on_commit_callbacks(execute=True):
        ops.conversation_close(conversation=conversation, actor=manager)
    delivery = Delivery.objects.get()
    gaps = []
    for _ in range(3):
        delivery.refresh_from_db()
        assert delivery.state == "pending" and delivery.last_status == 500
        gaps.append(delivery.next_attempt_at - delivery.last_attempt_at)
        time_passes(django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 4, 200)
    assert [round(g.total_seconds()) for g in gaps] == [30, 60, 120]  # exponential backoff
    assert len(hook.requests) == 4 and len(hook.accepted) == 1
    # Every attempt is the same event, byte for byte, with the same id.
    assert len({r["body"] for r in hook.requests}) == 1
    assert {r["delivery"] for r in hook.requests} == {delivery.uid}
    body = json.loads(hook.accepted[0]["body"])
    assert (body["id"], body["type"]) == (delivery.uid, "conversation.closed")
    assert body["data"]["conversation"]["id"] == conversation.pk
    assert body["data"]["conversation"]["state"] == "closed"
    # Nothing more to send.
    assert time_passes(django_capture_on_commit_callbacks) == 0
    assert len(hook.requests) == 4


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_the_signature_verifies_with_the_documented_snippet(
    receiver, agent, django_capture_on_commit_callbacks
):
    hook = receiver()
    subscribe(hook.url, "conversation.assigned")
    conversation = factories.make_conversation()
    with django_capture_on_commit_callbacks(execute=True):
        ops.conversation_assign(conversation=conversation, assignee=agent, actor=agent)
    [sent] = hook.requests
    assert sent["event"] == "conversation.assigned"
    assert json.loads(sent["body"])["data"]["conversation"]["assignee"]["id"] == agent.pk
    verify = documented_verifier()
    assert verify("whsec_test", sent["body"], sent["signature"])
    assert not verify("whsec_other", sent["body"], sent["signature"])
    assert not verify("whsec_test", sent["body"] + b" ", sent["signature"])
    # A replay an hour later is refused: the timestamp is signed.
    old = re.sub(r"t=\d+", lambda m: f"t={int(m.group(0)[2:]) - 3600}", sent["signature"])
    assert not verify("whsec_test", sent["body"], old)


def test_a_receiver_on_a_private_address_is_refused(
    receiver, manager, manager_client, django_capture_on_commit_callbacks
):
    hook = receiver()
    page = manager_client.post(
        "/manage/webhooks/", {"url": "https://127.0.0.1/hook", "events": ["conversation.closed"]}
    )
    assert page.status_code == 200
    assert "private, loopback or link-local" in page.content.decode()
    assert not Subscription.objects.exists()

    # Saved before the setting changed, or the name now resolves inward: refused at send.
    subscribe(hook.url.replace("http://", "https://"), "conversation.closed")
    with django_capture_on_commit_callbacks(execute=True):
        ops.conversation_close(conversation=factories.make_conversation(), actor=manager)
    delivery = Delivery.objects.get()
    assert delivery.state == "failed"
    assert "private, loopback or link-local" in delivery.last_error
    assert hook.requests == []


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_delivery_whose_worker_died_mid_post_is_sent_by_the_sweep(
    receiver, manager, django_capture_on_commit_callbacks
):
    hook = receiver()
    subscribe(hook.url, "conversation.closed")
    with django_capture_on_commit_callbacks(execute=False):  # the worker never ran it...
        ops.conversation_close(conversation=factories.make_conversation(), actor=manager)
    delivery = Delivery.objects.get()
    # ...or it claimed the row and was killed before recording the outcome.
    Delivery.objects.filter(pk=delivery.pk).update(
        state="sending", attempts=1, last_attempt_at=timezone.now() - timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep() == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert len(hook.accepted) == 1


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_repeated_failure_disables_the_webhook_and_tells_its_owner(
    receiver, manager, django_capture_on_commit_callbacks
):
    hook = receiver([500] * 100)
    subscription = subscribe(hook.url, "conversation.closed", owner=manager)
    for _ in range(deliveries.DISABLE_AFTER):
        with django_capture_on_commit_callbacks(execute=True):
            ops.conversation_close(conversation=factories.make_conversation(), actor=manager)
    Delivery.objects.update(attempts=schedule.MAX_ATTEMPTS - 1)
    time_passes(django_capture_on_commit_callbacks)

    assert set(Delivery.objects.values_list("state", flat=True)) == {"failed"}
    subscription.refresh_from_db()
    assert not subscription.enabled
    assert "5 deliveries in a row failed" in subscription.disabled_reason
    [email] = mail.outbox
    assert email.to == [manager.email] and hook.url in email.subject
    with django_capture_on_commit_callbacks(execute=True):
        ops.conversation_close(conversation=factories.make_conversation(), actor=manager)
    assert Delivery.objects.count() == deliveries.DISABLE_AFTER  # nothing new for it


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_the_redeliver_button_sends_the_same_event_again(
    receiver, manager, manager_client, django_capture_on_commit_callbacks
):
    hook = receiver()
    subscription = subscribe(hook.url, "conversation.closed")
    with django_capture_on_commit_callbacks(execute=True):
        ops.conversation_close(conversation=factories.make_conversation(), actor=manager)
    delivery = Delivery.objects.get()
    page = manager_client.get(f"/manage/webhooks/{subscription.pk}/").content.decode()
    assert delivery.uid in page and "Redeliver" in page and "HTTP 200" in page
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/manage/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert len(hook.accepted) == 2
    assert hook.requests[0]["body"] == hook.requests[1]["body"]


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_new_customer_conversation_fires_created_events(
    db, receiver, client, django_capture_on_commit_callbacks
):
    hook = receiver()
    subscribe(hook.url, "conversation.created", "message.created")
    factories.make_channel("testchat", external_id=ACCOUNT)
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            post_events(client, event("c1", thread="t9", text="Is it in stock?")).status_code == 200
        )
    with django_capture_on_commit_callbacks(execute=True):
        post_events(client, event("c2", thread="t9", text="Size 42?", ts=1_700_000_100))
    kinds = [
        (r["event"], json.loads(r["body"])["data"].get("message", {}).get("text"))
        for r in hook.requests
    ]
    assert kinds == [
        ("conversation.created", None),
        ("message.created", "Is it in stock?"),
        ("message.created", "Size 42?"),
    ]


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_conversation_passing_its_due_time_fires_sla_breached_once(
    db, receiver, django_capture_on_commit_callbacks
):
    hook = receiver()
    subscribe(hook.url, "sla.breached")
    due = timezone.now() + timedelta(seconds=2)
    conversation = factories.make_conversation(text="Where is my <order>?", sla_due_at=due)
    with served(SlackStandin()) as slack:
        SlackConnection.objects.create(secret={"webhook_url": slack.url + "/services/T/B/X"})
        with django_capture_on_commit_callbacks(execute=True):
            rules_tasks.tick()
        assert Delivery.objects.count() == 0  # not due yet

        # The due time passes; the beat's tick (and Slack's sweep) runs every minute after.
        Conversation.objects.filter(pk=conversation.pk).update(
            sla_due_at=timezone.now() - timedelta(seconds=1)
        )
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                rules_tasks.tick()
                slack_tasks.sweep()

        [delivery] = Delivery.objects.all()
        assert (delivery.event, delivery.state) == ("sla.breached", "delivered")
        [sent] = hook.requests
        assert sent["event"] == "sla.breached"
        body = json.loads(sent["body"])
        assert (body["id"], body["type"]) == (delivery.uid, "sla.breached")
        conversation.refresh_from_db()
        assert body["data"]["conversation"]["id"] == conversation.pk
        assert body["data"]["sla"]["due_at"] == conversation.sla_due_at.isoformat()
        assert documented_verifier()("whsec_test", sent["body"], sent["signature"])
        [post] = [p["text"] for p in slack.posts]
        assert post.startswith("*SLA breached*") and "&lt;order&gt;" in post
        assert SlackMessage.objects.count() == 1

    # Answered late, then waiting again: a new due time is a new breach.
    Conversation.objects.filter(pk=conversation.pk).update(
        sla_due_at=timezone.now() - timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        rules_tasks.tick()
    assert Delivery.objects.count() == 2


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_a_rules_webhook_call_is_a_signed_retried_delivery_on_the_webhooks_page(
    receiver, manager_client, django_capture_on_commit_callbacks
):
    hook = receiver([500])
    Rule.objects.create(
        name="Escalate", conditions={}, actions=[{"type": "webhook", "value": hook.url}]
    )
    conversation = factories.make_conversation(text="Refund <now>")
    with django_capture_on_commit_callbacks(execute=True):
        [hit] = engine.run_rules(
            trigger="new_message",
            conversation=conversation,
            message=conversation.messages.get(),
        )
    assert hit.outcomes == ["called the webhook"]
    delivery = Delivery.objects.select_related("subscription").get()
    assert (delivery.event, delivery.state, delivery.last_status) == (
        "rule.matched",
        "pending",
        500,
    )
    time_passes(django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 2)

    first, second = hook.requests
    assert first["body"] == second["body"] and second["delivery"] == delivery.uid
    body = json.loads(second["body"])
    assert (body["type"], body["data"]["rule"]) == ("rule.matched", "Escalate")
    assert body["data"]["message"]["text"] == "Refund <now>"
    subscription = delivery.subscription
    assert subscription.for_rules and subscription.events == []
    assert documented_verifier()(subscription.secret, second["body"], second["signature"])

    # Shown with the managers' webhooks; redelivered from there.
    listing = manager_client.get("/manage/webhooks/").content.decode()
    assert hook.url in listing and "rule actions" in listing
    page = manager_client.get(f"/manage/webhooks/{subscription.pk}/").content.decode()
    assert delivery.uid in page and "Redeliver" in page
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/manage/webhooks/deliveries/{delivery.pk}/redeliver/")
    assert len(hook.accepted) == 2

    # The same URL in another rule call shares the subscription (and its secret).
    with django_capture_on_commit_callbacks(execute=True):
        engine.run_rules(
            trigger="new_message", conversation=conversation, message=conversation.messages.get()
        )
    assert Subscription.objects.count() == 1 and Delivery.objects.count() == 2


def test_a_rules_webhook_to_a_private_address_is_refused_at_send(
    db, receiver, django_capture_on_commit_callbacks
):
    hook = receiver()
    private = hook.url.replace("http://", "https://")
    # Saved and run while allowed (or while the name resolved outward)...
    with override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True):
        Rule.objects.create(
            name="Escalate", conditions={}, actions=[{"type": "webhook", "value": private}]
        )
        conversation = factories.make_conversation()
        with django_capture_on_commit_callbacks(execute=False) as after_commit:
            engine.run_rules(
                trigger="new_message",
                conversation=conversation,
                message=conversation.messages.get(),
            )
    # ...and refused when the worker is about to post.
    for callback in after_commit:
        callback()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and "private, loopback or link-local" in delivery.last_error
    assert hook.requests == []


def test_nobody_subscribed_costs_routing_no_query_until_a_subscription_changes(
    manager, manager_client, django_capture_on_commit_callbacks
):
    conversation = factories.make_conversation()
    message = conversation.messages.get()

    def queries_of_routing():
        with CaptureQueriesContext(connection) as captured:
            listeners.on_routed(conversation, message, new_conversation=True)
        return len(data_statements(captured))

    subscribers.subscriptions_changed()  # whatever an earlier test left in the cache
    assert queries_of_routing() == 1  # asked once...
    assert queries_of_routing() == 0  # ...then remembered

    subscription = subscribe("https://hooks.example.com/in", "message.created")
    with django_capture_on_commit_callbacks(execute=False):
        listeners.on_routed(conversation, message, new_conversation=True)
    assert Delivery.objects.filter(event="message.created").count() == 1  # seen at once

    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(f"/manage/webhooks/{subscription.pk}/toggle/")  # disabled
    assert queries_of_routing() == 1 and queries_of_routing() == 0
    subscription.delete()
    assert queries_of_routing() == 1


def test_agents_cannot_manage_webhooks(agent_client):
    assert agent_client.get("/manage/webhooks/").status_code == 403


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client
