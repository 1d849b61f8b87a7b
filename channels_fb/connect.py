"""Connecting Pages: Facebook Login, the Pages a person manages, tokens, webhook subscription.

Facebook Login (manual flow): https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
Long-lived tokens:            https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived
Page webhooks subscription:   https://developers.facebook.com/docs/pages-api/webhooks-for-pages
Business-owned Pages:         GET /me/businesses → GET /{business-id}/owned_pages
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction

from inbox import channels
from inbox.connectors import Rejected, registry
from inbox.models import Channel

from .client import FacebookClient as GraphClient

SCOPES = [
    "pages_show_list",
    "pages_manage_metadata",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_engagement",
    "pages_messaging",
    "business_management",
    "instagram_basic",
    "instagram_manage_comments",
    "instagram_manage_messages",
]
WEBHOOK_FIELDS = [
    "feed",
    "messages",
    "message_echoes",
    "message_deliveries",
    "message_reads",
    "messaging_postbacks",
    "messaging_referrals",
]
PAGE_FIELDS = "id,name,access_token,category,tasks,instagram_business_account{id,username,name}"


def dialog_url(*, redirect_uri: str, state: str) -> str:
    """Facebook Login's dialog (settings.META_OAUTH_DIALOG_URL: facebook.com, or the demo's
    stand-in), with the manual flow's parameters; it redirects back with `code` and `state`."""
    query = urlencode(
        {
            "client_id": settings.META_APP_ID,
            "redirect_uri": redirect_uri,
            "state": state,
            "scope": ",".join(SCOPES),
            "response_type": "code",
        }
    )
    return f"{settings.META_OAUTH_DIALOG_URL}?{query}"


def exchange_code(*, code: str, redirect_uri: str) -> str:
    """Code → short-lived user token → long-lived user token (about 60 days)."""
    graph = GraphClient("")
    short = graph.get(
        "oauth/access_token",
        params={
            "client_id": settings.META_APP_ID,
            "client_secret": settings.META_APP_SECRET,
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )["access_token"]
    return graph.get(
        "oauth/access_token",
        params={
            "grant_type": "fb_exchange_token",
            "client_id": settings.META_APP_ID,
            "client_secret": settings.META_APP_SECRET,
            "fb_exchange_token": short,
        },
    )["access_token"]


def managed_pages(user_token: str) -> list[dict]:
    """The Pages the person manages, including those their businesses own; each with its token."""
    graph = GraphClient(user_token)
    pages, _ = graph.paginate("me/accounts", params={"fields": PAGE_FIELDS, "limit": 100})
    try:
        businesses, _ = graph.paginate("me/businesses", params={"fields": "id,name"})
    except Rejected:  # no business_management permission granted: personal Pages only
        businesses = []
    for business in businesses:
        owned, _ = graph.paginate(
            f"{business['id']}/owned_pages", params={"fields": PAGE_FIELDS, "limit": 100}
        )
        pages += [dict(page, business=business.get("name", "")) for page in owned]
    unique: dict[str, dict] = {}
    for page in pages:
        if page.get("access_token"):
            unique.setdefault(str(page["id"]), page)
    return list(unique.values())


@transaction.atomic
def connect_page(*, page: dict, user=None) -> Channel:
    """Store the Page with its token (encrypted), release held work, subscribe the webhook."""
    page_id, token = str(page["id"]), page["access_token"]
    channel = Channel.objects.filter(kind="facebook", external_id=page_id).first()
    if channel is None:
        channel = Channel.objects.create(
            kind="facebook",
            external_id=page_id,
            name=page.get("name") or page_id,
            credentials={"access_token": token},
        )
        channels.connected(channel, user=user)
    else:
        # Also the one-click reconnect: fresh token, held actions released.
        channels.reconnect(channel, credentials={"access_token": token}, user=user)
        channel.refresh_from_db()
    subscribe(channel)
    return channel


def subscribe(channel: Channel) -> None:
    GraphClient.for_channel(channel).post(
        f"{channel.external_id}/subscribed_apps",
        data={"subscribed_fields": ",".join(WEBHOOK_FIELDS)},
    )


def instagram_available() -> bool:
    return "instagram" in registry.kinds()


def connect_instagram(*, page: dict, user=None) -> Channel | None:
    """The Instagram account linked to a Page is Instagram's to connect (channels_ig), with
    the Page's token: the Facebook Login flow hands the Page over when Instagram is here."""
    if not instagram_available():
        return None
    from channels_ig.connect import connect_linked_account

    return connect_linked_account(page=page, user=user)
