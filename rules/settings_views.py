"""The managers' pages for SLA policies and business hours (no Django admin needed).

Each save is written to the audit log, and every open conversation's due time is
recomputed in the worker once the change is committed, so the inbox's badges follow.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from audit.log import record, snapshot
from inbox.access import require_manager

from .models import BusinessHours, Holiday, SlaPolicy
from .settings_forms import BusinessHoursForm, SlaPolicyForm


def _refresh_sla_after_commit() -> None:
    from .tasks import refresh_sla

    transaction.on_commit(refresh_sla.delay)


def _hours_snapshot(hours: BusinessHours | None) -> dict:
    if hours is None or hours.pk is None:
        return {}
    return snapshot(
        hours, extra={"holidays": [f"{h.date} {h.name}".strip() for h in hours.holidays.all()]}
    )


# ---- SLA policies ------------------------------------------------------------------------


def sla_policies(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    return render(
        request,
        "settings/sla_policies.html",
        {"policies": SlaPolicy.objects.select_related("business_hours")},
    )


def sla_policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request)
    policy = get_object_or_404(SlaPolicy, pk=pk) if pk else SlaPolicy()
    before = snapshot(policy) if pk else {}
    form = SlaPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record(
                actor=request.user,
                verb="changed" if pk else "created",
                target=policy,
                before=before,
            )
            _refresh_sla_after_commit()
        messages.success(request, f"Saved the SLA policy {policy}.")
        return redirect("rules:sla_policies")
    return render(request, "settings/sla_policy_edit.html", {"form": form, "policy": policy})


def sla_policy_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (settings/confirm.html); the POST from that page deletes."""
    require_manager(request)
    policy = get_object_or_404(SlaPolicy, pk=pk)
    if request.method != "POST":
        return render(
            request,
            "settings/confirm.html",
            {
                "object": f"the SLA policy {policy}",
                "consequences": [
                    "The conversations it times are timed again by the next policy that "
                    "matches them, or are no longer due if none does. This cannot be undone."
                ],
                "cancel_url": reverse("rules:sla_policies"),
            },
        )
    with transaction.atomic():
        record(actor=request.user, verb="deleted", target=policy, before=snapshot(policy))
        policy.delete()
        _refresh_sla_after_commit()
    messages.success(request, f"Deleted the SLA policy {policy}.")
    return redirect("rules:sla_policies")


# ---- business hours ------------------------------------------------------------------------


def business_hours(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    return render(
        request,
        "settings/business_hours.html",
        {
            "calendars": BusinessHours.objects.select_related("team")
            .prefetch_related("holidays")
            .order_by("team__name", "name")
        },
    )


def business_hours_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require_manager(request)
    hours = get_object_or_404(BusinessHours, pk=pk) if pk else BusinessHours()
    before = _hours_snapshot(hours)
    form = BusinessHoursForm(request.POST or None, instance=hours)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            hours.holidays.all().delete()
            Holiday.objects.bulk_create(
                Holiday(business_hours=hours, date=day, name=name)
                for day, name in form.cleaned_data["holidays"]
            )
            record(
                actor=request.user,
                verb="changed" if pk else "created",
                target=hours,
                before=before,
                after=_hours_snapshot(hours),
            )
            _refresh_sla_after_commit()
        messages.success(request, f"Saved the business hours {hours}.")
        return redirect("rules:business_hours")
    return render(request, "settings/business_hours_edit.html", {"form": form, "hours": hours})


def business_hours_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first (settings/confirm.html), naming the policies that count these hours;
    the POST from that page deletes."""
    require_manager(request)
    hours = get_object_or_404(BusinessHours, pk=pk)
    if request.method != "POST":
        holidays = hours.holidays.count()
        consequences = [
            f"Its week and its {holidays} holiday{'s' if holidays != 1 else ''} go with it. "
            "This cannot be undone."
        ]
        policies = [p.name for p in hours.sla_policies.order_by("name")]
        if policies:
            consequences.append(
                "SLA policies that count these hours ("
                + ", ".join(policies)
                + ") count the conversation's team hours, or the default hours, instead."
            )
        return render(
            request,
            "settings/confirm.html",
            {
                "object": f"the business hours {hours}",
                "consequences": consequences,
                "cancel_url": reverse("rules:business_hours"),
            },
        )
    with transaction.atomic():
        record(actor=request.user, verb="deleted", target=hours, before=_hours_snapshot(hours))
        hours.delete()
        _refresh_sla_after_commit()
    messages.success(request, f"Deleted the business hours {hours}.")
    return redirect("rules:business_hours")
