"""`Vary: HX-Request` on every response whose view chose between a page and a fragment.

The same URL answers the whole page or, for htmx, one partial of it (`"#rows" if
request.htmx`). A cache keyed on the URL alone (the browser's, on Back) could hand the
fragment where the page was asked for, so such answers vary on the header
(https://htmx.org/docs/#caching; django-htmx: "Vary: HX-Request"). Which views chose is
known from whether they asked `request.htmx`, so no view has to remember it.
"""

from __future__ import annotations

from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails


class _WatchedHtmxDetails(HtmxDetails):
    asked = False

    def __bool__(self) -> bool:
        self.asked = True
        return super().__bool__()


class VaryOnHtmxMiddleware:
    """Put after django_htmx's HtmxMiddleware: it replaces `request.htmx` with one that
    notes being asked."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.htmx = details = _WatchedHtmxDetails(request)
        response = self.get_response(request)
        if details.asked:
            patch_vary_headers(response, ("HX-Request",))
        return response
