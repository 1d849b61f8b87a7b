"""Delivering a stored webhook: claim, record the attempt, post, record the outcome.

At least once: a delivery is retried with exponential backoff for about a day until the
receiver answers 2xx, and a worker killed mid-post leaves a "sending" row that the sweep
sends again; receivers deduplicate by the delivery's `id`. The SSRF guard of the rules'
webhooks (rules/destinations.py) is checked right before every post.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from inbox import queueing
from inbox.connectors import Unavailable
from inbox.http import ApiClient
from rules.destinations import NoRedirectSession, UnsafeDestination, check_destination

from . import schedule, signing
from .models import Delivery, DeliveryState, Subscription
from .subscribers import subscriptions_changed

log = logging.getLogger("switchboard.webhooks")

# A subscription whose deliveries gave up this many times in a row is switched off.
DISABLE_AFTER = 5
RESPONSE_KEPT = 500


class ReceiverClient(ApiClient):
    def __init__(self):
        super().__init__(session=NoRedirectSession())

    def translate_error(self, response):
        return Unavailable(f"HTTP {response.status_code}")


def queue_delivery(delivery_id: int, *, eta=None) -> None:
    from .tasks import deliver_webhook

    # If the broker is down the row stays pending; the sweep queues it.
    queueing.publish(deliver_webhook, (delivery_id,), eta=eta)


def claim(delivery_id: int) -> Delivery | None:
    delivery = schedule.claim(Delivery, delivery_id)
    if delivery is None:
        return None
    return Delivery.objects.select_related("subscription").get(pk=delivery_id)


def deliver(delivery_id: int) -> Delivery | None:
    """Claim and post one delivery. Safe to call any number of times, from any worker."""
    delivery = claim(delivery_id)
    if delivery is None:
        return None
    subscription = delivery.subscription
    if not subscription.enabled:
        _give_up(delivery, "the subscription is disabled", count=False)
        return delivery
    try:
        check_destination(subscription.url)
    except UnsafeDestination as exc:
        _give_up(delivery, str(exc))
        return delivery
    body = delivery.body.encode()
    client = ReceiverClient()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Switchboard-Webhooks/1",
        "Switchboard-Event": delivery.event,
        "Switchboard-Delivery": delivery.uid,
        signing.HEADER: signing.sign(subscription.secret, body),
    }
    try:
        client.post(subscription.url, data=body, headers=headers)
    except Unavailable as exc:
        response = client.last_response
        if response is not None and response.ok:
            _delivered(delivery, response)  # 2xx with a body that is not JSON
        else:
            _retry_later(delivery, str(exc), response)
    else:
        _delivered(delivery, client.last_response)
    return delivery


def _delivered(delivery: Delivery, response) -> None:
    schedule.delivered(
        Delivery,
        delivery,
        last_status=response.status_code if response is not None else None,
        last_response=response.text[:RESPONSE_KEPT] if response is not None else "",
    )
    Subscription.objects.filter(pk=delivery.subscription_id).update(consecutive_failures=0)


def _retry_later(delivery: Delivery, error: str, response) -> None:
    status = response.status_code if response is not None else None
    text = response.text[:RESPONSE_KEPT] if response is not None else ""
    when = schedule.reschedule(
        Delivery, delivery, last_error=error, last_status=status, last_response=text
    )
    if when is None:
        _give_up(
            delivery,
            f"gave up after {delivery.attempts} attempts: {error}",
            status=status,
            text=text,
        )
        return
    queue_delivery(delivery.pk, eta=when)


def _give_up(
    delivery: Delivery, error: str, *, status=None, text: str = "", count: bool = True
) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.FAILED, last_error=error, last_status=status, last_response=text
    )
    log.warning(
        "webhook delivery %s to %s failed: %s", delivery.uid, delivery.subscription.url, error
    )
    if not count:
        return
    Subscription.objects.filter(pk=delivery.subscription_id).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    subscription = Subscription.objects.select_related("created_by").get(
        pk=delivery.subscription_id
    )
    if subscription.enabled and subscription.consecutive_failures >= DISABLE_AFTER:
        _disable(
            subscription,
            f"{subscription.consecutive_failures} deliveries in a row failed; the last: {error}",
        )


def _disable(subscription: Subscription, reason: str) -> None:
    updated = Subscription.objects.filter(pk=subscription.pk, enabled=True).update(
        enabled=False, disabled_reason=reason
    )
    subscriptions_changed()
    owner = subscription.created_by
    if updated and owner is not None and owner.email:
        send_mail(
            subject=f"Switchboard webhook disabled: {subscription.url}",
            message=f"We stopped sending events to {subscription.url}.\n\n{reason}\n\n"
            "Fix the receiver, then enable the webhook again and redeliver "
            "the failed deliveries from the Webhooks page.",
            from_email=getattr(settings, "DEFAULT_FROM_EMAIL", None),
            recipient_list=[owner.email],
            fail_silently=True,
        )


def redeliver(delivery: Delivery) -> bool:
    """A manager asks to send a finished delivery again: the same bytes and event id, a fresh
    round of attempts. False if it is still in flight."""
    updated = Delivery.objects.filter(
        pk=delivery.pk, state__in=[DeliveryState.DELIVERED, DeliveryState.FAILED]
    ).update(state=DeliveryState.PENDING, attempts=0, next_attempt_at=timezone.now(), last_error="")
    if updated:
        transaction.on_commit(lambda: queue_delivery(delivery.pk))
    return bool(updated)


def due_for_sweep() -> list[int]:
    return schedule.due_for_sweep(Delivery)
