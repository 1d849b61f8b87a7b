"""Instagram calls on top of the shared Meta Graph client (auth, errors by code, usage).

Instagram API with Facebook Login: the Page token of the Page the professional account is
linked to. Endpoints: https://developers.facebook.com/docs/instagram-platform/instagram-api-with-facebook-login
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from inbox.connectors import IdentityData, Rejected
from inbox.http import https_or_empty
from meta.graph import GraphClient

if TYPE_CHECKING:
    from inbox.models import Channel

COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id,hidden"
REPLY_FIELDS = "id,text,timestamp,username,from,parent_id,hidden"
MEDIA_FIELDS = (
    "id,caption,comments_count,media_product_type,media_type,media_url,permalink,timestamp"
)
# What a comment's context needs from its media (GET /{ig-media-id}):
# https://developers.facebook.com/documentation/instagram-platform/reference/instagram-media
CONTEXT_FIELDS = "caption,permalink,media_type,media_url,timestamp"
PROFILE_FIELDS = (
    "name,username,profile_pic,follower_count,is_verified_user,"
    "is_user_follow_business,is_business_follow_user"
)


class InstagramClient(GraphClient):
    label = "Instagram"

    @classmethod
    def for_channel(cls, channel: Channel, **kwargs) -> Self:
        timeout = (channel.config or {}).get("http_timeout")
        if timeout is not None:
            kwargs.setdefault("timeout", float(timeout))
        client = super().for_channel(channel, **kwargs)
        client.account_id = channel.external_id
        # Instagram DMs go through the linked Page's Send API (or /me with the Page token).
        # The Facebook connect flow stores the Page id with the token; scripted setups may
        # put it in config.
        client.page_id = str(
            (channel.credentials or {}).get("page_id")
            or (channel.config or {}).get("page_id")
            or "me"
        )
        return client

    account_id: str = ""
    page_id: str = "me"

    # -- reads --
    def recent_media(self, *, limit: int) -> list[dict]:
        body = self.get(f"{self.account_id}/media", params={"fields": MEDIA_FIELDS, "limit": limit})
        return list(body.get("data") or [])

    def media_comments(
        self, media_id: str, *, after: str = "", max_pages: int = 5
    ) -> tuple[list[dict], str]:
        fields = f"{COMMENT_FIELDS},replies{{{REPLY_FIELDS}}}"
        return self.paginate(
            f"{media_id}/comments",
            params={"fields": fields, "limit": 50},
            after=after,
            max_pages=max_pages,
        )

    def media(self, media_id: str) -> dict:
        return self.get(media_id, params={"fields": CONTEXT_FIELDS})

    def comment_replies(self, comment_id: str) -> list[dict]:
        items, _ = self.paginate(
            f"{comment_id}/replies", params={"fields": REPLY_FIELDS, "limit": 50}
        )
        return items

    def mentioned_comment(self, comment_id: str) -> dict:
        fields = (
            f"mentioned_comment.comment_id({comment_id})"
            "{id,text,timestamp,username,like_count,media{id,permalink}}"
        )
        return self.get(self.account_id, params={"fields": fields}).get("mentioned_comment") or {}

    def mentioned_media(self, media_id: str) -> dict:
        fields = (
            f"mentioned_media.media_id({media_id})"
            "{id,caption,media_type,permalink,timestamp,username}"
        )
        return self.get(self.account_id, params={"fields": fields}).get("mentioned_media") or {}

    def profile(self, igsid: str) -> dict:
        return self.get(igsid, params={"fields": PROFILE_FIELDS})

    def dm_threads(self, *, after: str = "", limit: int = 25) -> dict:
        """One page of the account's DM threads, most recently active first, with their
        latest messages (Conversations API, `platform=instagram`):
        https://developers.facebook.com/documentation/business-messaging/messenger-platform/conversations
        """
        params = {
            "platform": "instagram",
            "limit": limit,
            "fields": "participants,updated_time,messages{id,message,from,created_time}",
        }
        if after:
            params["after"] = after
        return self.get(f"{self.page_id}/conversations", params=params)

    def conversation_messages(self, igsid: str) -> list[dict]:
        """Recent messages of the DM thread with one person (Conversations API)."""
        body = self.get(
            f"{self.page_id}/conversations",
            params={
                "platform": "instagram",
                "user_id": igsid,
                "fields": "messages{id,message,from,to,created_time}",
            },
        )
        messages: list[dict] = []
        for conversation in body.get("data") or []:
            messages += (conversation.get("messages") or {}).get("data") or []
        return messages

    # -- writes --
    def reply_to_comment(self, comment_id: str, text: str) -> str:
        return str(self.post(f"{comment_id}/replies", params={"message": text})["id"])

    def reply_to_mention(self, *, media_id: str, comment_id: str, text: str) -> str:
        params = {"media_id": media_id, "message": text}
        if comment_id:
            params["comment_id"] = comment_id
        return str(self.post(f"{self.account_id}/mentions", params=params)["id"])

    def set_hidden(self, comment_id: str, hidden: bool) -> None:
        self.post(comment_id, params={"hide": "true" if hidden else "false"})

    def delete_comment(self, comment_id: str) -> None:
        self.delete(comment_id)

    def send_message(
        self, *, recipient: dict[str, str], text: str, tag: str = ""
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"recipient": recipient, "message": {"text": text}}
        if tag:
            body.update(messaging_type="MESSAGE_TAG", tag=tag)
        elif "id" in recipient:
            body["messaging_type"] = "RESPONSE"
        return self.post(f"{self.page_id}/messages", json=body)


def fetch_profile(channel: Channel, identity_external_id: str) -> IdentityData | None:
    """Name, username, picture, followers. Instagram withholds them until the person has
    messaged the account (consent); then nothing is invented: the name stays empty, what
    we already know is kept, and the inbox shows its own readable fallback."""
    if identity_external_id.startswith("username:"):
        return None  # known only by username (mentions): there is no IGSID to look up
    try:
        found = InstagramClient.for_channel(channel).profile(identity_external_id)
    except Rejected:
        return IdentityData(platform="instagram", external_id=identity_external_id)
    return IdentityData(
        platform="instagram",
        external_id=identity_external_id,
        name=str(found.get("name") or ""),
        handle=str(found.get("username") or ""),
        avatar_url=https_or_empty(found.get("profile_pic")),
        follower_count=found.get("follower_count")
        if isinstance(found.get("follower_count"), int)
        else None,
        verified=bool(found.get("is_verified_user")),
    )
