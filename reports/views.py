"""Managers' reports: the page and its CSV exports, over the same figures (reports.selectors,
reports.people, reports.responsiveness, drawn and tabled by reports.tables)."""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from inbox.access import require_manager

from . import storms, tables
from .export import write_report, write_table
from .filters import ReportForm
from .models import Storm
from .people import COLUMNS, DEFAULT_SORT, Performance, people, ranked
from .responsiveness import ChannelResponsiveness, responsiveness
from .rollups import collect
from .selectors import Report, report


def _form(request: HttpRequest) -> ReportForm:
    form = ReportForm(request.GET or None)
    if not form.is_bound:
        form = ReportForm({})  # the defaults: the last 7 days, every channel and team
    return form


@dataclass
class Figures:
    report: Report
    charts: list[tables.Table]
    agents: list[Performance]
    teams: list[Performance]
    badges: list[ChannelResponsiveness]
    storms: list[Storm]

    def tables(self) -> dict[str, tables.Table]:
        """Every table of the page by its slug, for its CSV."""
        found = {t.slug: t for t in self.charts}
        found["agents"] = tables.people_table("agents", "Agents", self.agents)
        found["teams"] = tables.people_table("teams", "Teams", self.teams)
        found["responsiveness"] = tables.responsiveness_table(self.badges)
        found["storms"] = tables.storms_table(self.storms)
        return found


def _figures(form: ReportForm, sort: str) -> Figures:
    scope = form.scope()
    collected = collect(scope)  # read once, for the report and the per agent figures
    figures = report(scope, collected=collected)
    crew = people(scope, collected=collected)
    return Figures(
        report=figures,
        charts=tables.chart_tables(figures),
        agents=ranked(crew.agents, sort),
        teams=ranked(crew.teams, sort),
        badges=responsiveness(),
        storms=storms.recent(),
    )


def _csv_response(filename: str) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _refused(form: ReportForm) -> HttpResponse:
    return HttpResponse(
        "; ".join(str(e) for errors in form.errors.values() for e in errors),
        status=400,
        content_type="text/plain; charset=utf-8",
    )


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = _form(request)
    sort = request.GET.get("sort", DEFAULT_SORT)
    context: dict[str, object] = {
        "form": form,
        "report": None,
        "query": request.GET.urlencode(),
        "sort": sort,
        "columns": COLUMNS,
    }
    if form.is_valid():
        figures = _figures(form, sort)
        context.update(
            report=figures.report,
            charts=figures.charts,
            agents=figures.agents,
            teams=figures.teams,
            badges=figures.badges,
            storms=figures.storms,
            filters=_without_sort(request),
        )
    return render(request, "reports/report.html", context, status=200 if context["report"] else 400)


def _without_sort(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("sort", None)
    return params.urlencode()


@login_required
def report_csv(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    form = _form(request)
    if not form.is_valid():
        return _refused(form)
    figures = report(form.scope())
    scope = figures.scope
    response = _csv_response(f"switchboard-report-{scope.date_from}-{scope.date_to}.csv")
    write_report(csv.writer(response), figures)
    return response


@login_required
def table_csv(request: HttpRequest, slug: str) -> HttpResponse:
    require_manager(request)
    form = _form(request)
    if not form.is_valid():
        return _refused(form)
    found = _figures(form, request.GET.get("sort", DEFAULT_SORT)).tables()
    if slug not in found:
        raise Http404("no such table")
    scope = form.scope()
    response = _csv_response(f"switchboard-{slug}-{scope.date_from}-{scope.date_to}.csv")
    write_table(csv.writer(response), found[slug])
    return response
