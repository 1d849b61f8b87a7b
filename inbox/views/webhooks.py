"""The one webhook endpoint: the connector verifies, one INSERT stores (inbox/accept.py),
we answer 200 fast.

Once a delivery is signed it is answered 200 as soon as it is stored, its poisonous items
and malformed bodies included (kept with their reason): anything else and the platform
retries the whole batch until it gives up, losing its good items with the bad.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from ..accept import store_and_queue
from ..connectors import registry


@csrf_exempt
@login_not_required
def webhook(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        connector = registry.get(slug)  # the webhook lives at /webhooks/<kind>/
    except LookupError:
        raise Http404("unknown webhook") from None
    outcome = connector.handle_webhook(request)
    if isinstance(outcome, HttpResponse):
        return outcome
    stored = store_and_queue(connector.kind, outcome, source="webhook")
    summary = f"stored {stored.new} of {len(outcome)}"
    if stored.poisoned:
        summary += f"; {stored.poisoned} poisoned, kept with the reason"
    return HttpResponse(summary, content_type="text/plain")
