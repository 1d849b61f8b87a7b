"""The managers' Webhooks page: subscriptions, their secret, and every delivery."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from inbox.access import require_manager

from . import delivery as deliveries
from .forms import SubscriptionForm
from .models import Delivery, Subscription
from .signing import new_secret
from .subscribers import subscriptions_changed

DELIVERIES_SHOWN = 100


def subscriptions(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        subscription = form.save(commit=False)
        subscription.signing = {"secret": new_secret()}
        subscription.created_by = request.user
        subscription.save()
        messages.success(request, "Webhook added. Verify its signatures with the secret below.")
        return redirect("webhooks_out:detail", pk=subscription.pk)
    return render(
        request,
        "webhooks_out/list.html",
        {"subscriptions": Subscription.objects.all(), "form": form},
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request)
    subscription = get_object_or_404(Subscription, pk=pk)
    return render(
        request,
        "webhooks_out/detail.html",
        {
            "subscription": subscription,
            "deliveries": subscription.deliveries.all()[:DELIVERIES_SHOWN],
        },
    )


@require_POST
def toggle(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request)
    subscription = get_object_or_404(Subscription, pk=pk)
    enable = not subscription.enabled
    Subscription.objects.filter(pk=pk).update(
        enabled=enable,
        disabled_reason="" if enable else f"disabled by {request.user}",
        consecutive_failures=0 if enable else subscription.consecutive_failures,
    )
    subscriptions_changed()
    return redirect("webhooks_out:detail", pk=pk)


def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (settings/confirm.html); the POST from that page deletes."""
    require_manager(request)
    subscription = get_object_or_404(Subscription, pk=pk)
    if request.method != "POST":
        sent = subscription.deliveries.count()
        return render(
            request,
            "settings/confirm.html",
            {
                "object": f"the webhook {subscription.url}",
                "consequences": [
                    "Switchboard stops posting to it. Its signing secret and the record of its "
                    f"{sent} deliver{'ies' if sent != 1 else 'y'} go with it. This cannot be "
                    "undone; Disable stops the posts and keeps both.",
                ],
                "cancel_url": reverse("webhooks_out:detail", args=[pk]),
            },
        )
    subscription.delete()
    messages.success(request, "Webhook deleted.")
    return redirect("webhooks_out:list")


@require_POST
def redeliver(request: HttpRequest, pk: int) -> HttpResponse:
    require_manager(request)
    delivery = get_object_or_404(Delivery, pk=pk)
    with transaction.atomic():
        queued = deliveries.redeliver(delivery)
    messages.success(request, "Sending it again." if queued else "It is still being sent.")
    return redirect("webhooks_out:detail", pk=delivery.subscription_id)
