"""The X connector: the registry's entry for channels of kind "x"."""

from __future__ import annotations

from datetime import timedelta

from inbox.connectors import Capability, Connector, IdentityData, PollResult, Responsiveness
from inbox.models import ConversationKind

from . import actions, parse, polling, threads, views, webhooks
from .client import for_channel


class XConnector(Connector):
    kind = "x"
    label = "X"
    connect_url_name = "channels_tw:connect"
    extras_template = "channels_tw/channel_extras.html"
    # Linked from the managers' settings menu (inbox/templatetags/settings_nav.py).
    settings_pages = (("X searches", "channels_tw:searches"),)
    # X has no badge; people on X expect an answer within the hour (the seeds' guidance),
    # to mentions and DMs alike.
    responsiveness = Responsiveness(
        within=timedelta(minutes=60),
        kinds=frozenset({ConversationKind.MENTION, ConversationKind.DM}),
        name="60-minute expectation",
        median_within=False,
    )
    capabilities = frozenset(
        {
            Capability.REPLY,
            Capability.DM,
            Capability.LIKE,
            Capability.UNLIKE,
            Capability.HIDE,
            Capability.UNHIDE,
            Capability.DELETE,
        }
    )
    max_text_length = 280

    def handle_webhook(self, request):
        return webhooks.handle(request)

    def parse(self, event):
        items = parse.parse(event.payload, event.channel)
        if event.payload.get("source") == "aaa":
            return threads.follow_known(event.channel, items)
        return items

    def poll(self, channel) -> PollResult:
        return polling.poll(channel)

    def perform(self, action) -> str:
        return actions.perform(action)

    def find_landed(self, action) -> str | None:
        return actions.find_landed(action)

    def action_refusal(self, kind: str, message) -> str:
        return actions.refusal(kind, message)

    def fetch_profile(self, channel, identity_external_id: str):
        """Name, handle, avatar, followers and the verified mark of an X user. A user X
        does not show (suspended, deactivated) gets no invented name: it stays empty."""
        user = for_channel(channel).user(identity_external_id)
        if user is None:
            return IdentityData(platform=self.platform, external_id=identity_external_id)
        return parse.v2_identity(user)

    def extras_context(self, channel) -> dict:
        return views.extras_context(channel)

    def permalink(self, channel, external_id: str) -> str:
        return parse.permalink(channel.handle, external_id)
