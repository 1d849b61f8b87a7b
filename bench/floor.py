"""The floor: the minimum Django does for the same pages, on the barest views.

- a list: the same 50 rows as the inbox's Open folder, one query with the joins the rows
  need, a tiny template;
- a detail: one conversation and its messages, two queries, a tiny template;
- an ingest: a signed Meta webhook checked (HMAC over the raw body) and stored as one row.

Served by the same gunicorn, settings and middleware as Switchboard (bench/urls.py), so
what the pages cost beyond these is the inbox's own. bench/http_bench.py measures against it.
"""

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.views.decorators.csrf import csrf_exempt

from inbox.models import Conversation, InboundEvent

TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><ul>{% for c in rows %}"
    "<li>{{ c.channel.name }} {{ c.contact.name }} {{ c.preview }} {{ c.last_message_at }}</li>"
    "{% endfor %}</ul>"
)
DETAIL = engines["django"].from_string(
    "<!doctype html><title>floor</title><h1>{{ c.contact.name }}</h1>"
    "<p>{{ c.channel.name }} {{ c.state }}</p><ol>{% for m in messages %}"
    "<li>{{ m.direction }} {{ m.platform_timestamp }} {{ m.text }}</li>{% endfor %}</ol>"
)


def floor_page(request):
    rows = (
        Conversation.objects.filter(state="open", is_spam=False)
        .select_related("channel", "contact")
        .defer("channel__credentials")
        .order_by("-last_message_at", "-id")[:50]
    )
    return HttpResponse(TEMPLATE.render({"rows": rows}, request))


def floor_detail(request, pk: int):
    conversation = get_object_or_404(
        Conversation.objects.select_related("channel", "contact").defer("channel__credentials"),
        pk=pk,
    )
    messages = conversation.messages.order_by("platform_timestamp", "id")
    return HttpResponse(DETAIL.render({"c": conversation, "messages": messages}, request))


@csrf_exempt
@login_not_required
def floor_ingest(request):
    """A Meta webhook: signature checked, then one row, no parsing beyond JSON."""
    expected = (
        "sha256="
        + hmac.new(settings.META_APP_SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    )
    if not hmac.compare_digest(expected, request.headers.get("X-Hub-Signature-256", "")):
        return HttpResponse("bad signature", status=403)
    body = json.loads(request.body)
    row = InboundEvent(
        channel_kind="floor",
        delivery_key=hashlib.sha256(request.body).hexdigest(),
        source="webhook",
        payload=body,
        state="unsupported",  # nothing processes the floor's rows
    )
    InboundEvent.objects.bulk_create([row], ignore_conflicts=True)  # one INSERT
    return HttpResponse("stored")
