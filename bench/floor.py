"""The floor: the same 50 rows as the inbox's Open folder, on the barest Django page.

One query with the joins the rows need, a tiny template, nothing else: what any Django page
listing these rows costs. The inbox page is measured against it.
"""

from django.http import HttpResponse
from django.template import engines

from inbox.models import Conversation

TEMPLATE = engines["django"].from_string(
    "<!doctype html><title>floor</title><ul>{% for c in rows %}"
    "<li>{{ c.channel.name }} {{ c.contact.name }} {{ c.preview }} {{ c.last_message_at }}</li>"
    "{% endfor %}</ul>"
)


def floor_page(request):
    rows = (
        Conversation.objects.filter(state="open", is_spam=False)
        .select_related("channel", "contact")
        .order_by("-last_message_at", "-id")[:50]
    )
    return HttpResponse(TEMPLATE.render({"rows": rows}, request))
