"""The Facebook Page's Graph client: Meta's client (meta/graph.py) with a Page token.

Everything generic (auth with `appsecret_proof`, errors by code, usage headers) is Meta's;
the Page's own calls are made by path in polling.py, actions.py and context.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from inbox.connectors import IdentityData, Rejected
from inbox.http import https_or_empty
from meta.graph import GraphClient

if TYPE_CHECKING:
    from inbox.models import Channel


class FacebookClient(GraphClient):
    label = "Facebook"


def fetch_profile(channel: Channel, psid: str) -> IdentityData:
    """The User Profile API: name and picture of a Messenger PSID.

    Facebook withholds profiles of commenters who never messaged the Page and of people
    who restrict them: then the name stays empty, never invented, so a name we already
    know is kept and the inbox shows its own readable fallback.
    https://developers.facebook.com/docs/messenger-platform/identity/user-profile
    """
    try:
        body = FacebookClient.for_channel(channel).get(
            psid, params={"fields": "first_name,last_name,name,profile_pic"}
        )
    except Rejected:
        return IdentityData(platform="facebook", external_id=psid)
    name = body.get("name") or " ".join(
        part for part in (body.get("first_name"), body.get("last_name")) if part
    )
    return IdentityData(
        platform="facebook",
        external_id=psid,
        name=str(name or ""),
        avatar_url=https_or_empty(body.get("profile_pic")),
    )
