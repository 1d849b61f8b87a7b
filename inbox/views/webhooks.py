"""The one webhook endpoint: the connector verifies, the ingest stores, we answer 200 fast."""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..connectors import registry
from ..ingest import store_events


@csrf_exempt
@login_not_required
def webhook(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        connector = registry.by_webhook_slug(slug)
    except LookupError:
        raise Http404("unknown webhook") from None
    outcome = connector.handle_webhook(request)
    if isinstance(outcome, HttpResponse):
        return outcome
    stored = store_events(connector.kind, outcome, source="webhook")
    return HttpResponse(f"stored {stored} of {len(outcome)}", content_type="text/plain")
