"""The inbox page: folders, the conversation list, and the post view.

One page template with named partials; an htmx request gets only the list partial.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from .. import selectors
from ..access import AuthenticatedHttpRequest, require_agent
from .common import list_context

PAGE = "inbox/inbox.html"


def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_agent(request)
    params = selectors.ListParams.from_query(request.GET)
    context = list_context(request, params)
    template = PAGE
    if request.htmx:
        # "Load more" asks for just the next rows; everything else for the whole list.
        template = f"{PAGE}#more" if request.GET.get("fragment") == "more" else f"{PAGE}#list"
    return render(request, template, context)


def posts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Comments grouped under their post, busiest first: a storm is visible at a glance."""
    require_agent(request)
    params = selectors.ListParams.from_query(request.GET)
    context = list_context(request, params)
    context["groups"] = selectors.post_groups()
    context["show_posts"] = True
    template = f"{PAGE}#list" if request.htmx else PAGE
    return render(request, template, context)
