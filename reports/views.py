"""Managers' reports: the page and its CSV export, over the same figures (reports.selectors)."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from inbox.access import require_manager

from .export import write_report
from .filters import ReportForm
from .selectors import report


def _form(request: HttpRequest) -> ReportForm:
    form = ReportForm(request.GET or None)
    if not form.is_bound:
        form = ReportForm({})  # the defaults: the last 7 days, every channel and team
    return form


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = _form(request)
    figures = report(form.scope()) if form.is_valid() else None
    return render(request, "reports/report.html", {
        "form": form, "report": figures, "query": request.GET.urlencode(),
    }, status=200 if figures else 400)


@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = _form(request)
    if not form.is_valid():
        return HttpResponse("; ".join(e for errors in form.errors.values() for e in errors),
                            status=400, content_type="text/plain; charset=utf-8")
    figures = report(form.scope())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    scope = figures.scope
    response["Content-Disposition"] = (
        f'attachment; filename="switchboard-report-{scope.date_from}-{scope.date_to}.csv"')
    write_report(csv.writer(response), figures)
    return response
