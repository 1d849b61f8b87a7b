"""Connecting an Instagram professional account: through the Facebook Page it is linked to.

Instagram API with Facebook Login: the person logs in with Facebook (channels_fb/connect.py,
Meta's login dialog), picks the Pages, and each Page's linked account
(`instagram_business_account`) becomes an `instagram` channel with the Page's token.
https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login
"""

from __future__ import annotations

from django.db import transaction

from inbox import channels
from inbox.models import Channel, ChannelStatus


@transaction.atomic
def connect_linked_account(*, page: dict, user=None) -> Channel | None:
    """Create the `instagram` channel for the professional account linked to a Page.

    Its token is the Page's (Instagram API with Facebook Login), stored with the Page id.
    """
    account = page.get("instagram_business_account") or {}
    if not account.get("id"):
        return None
    credentials = {"access_token": page["access_token"], "page_id": str(page["id"])}
    channel = Channel.objects.filter(kind="instagram", external_id=str(account["id"])).first()
    if channel is None:
        channel = Channel.objects.create(
            kind="instagram",
            external_id=str(account["id"]),
            name=account.get("name") or account.get("username") or account["id"],
            handle=account.get("username", ""),
            credentials=credentials,
        )
        channels.connected(channel, user=user)
        return channel
    if channel.status == ChannelStatus.NEEDS_RECONNECT:
        channels.reconnect(channel, credentials=credentials, user=user)
    else:
        channel.credentials = {**channel.credentials, **credentials}
        channel.save(update_fields=["credentials"])
    return channel
