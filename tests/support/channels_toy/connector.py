"""The toy channel's connector: class attributes and methods that delegate."""

from __future__ import annotations

from inbox.connectors import Capability, Connector

from . import actions, parse, polling, webhooks


class ToyConnector(Connector):
    kind = "toy"
    label = "Toy"
    capabilities = frozenset({Capability.REPLY})

    def handle_webhook(self, request):
        return webhooks.handle(request)

    def parse(self, event):
        return parse.parse(event.payload, event.channel)

    def poll(self, channel):
        return polling.poll(channel)

    def perform(self, action):
        return actions.perform(action)
