"""Which conversation an Account Activity tweet joins: the one ORM read of X's ingest.

v1.1-shaped tweets carry no `conversation_id`, so `parse` names the thread by the tweet's
parent (or the tweet itself). A tweet or parent we already hold is in a known thread: the
item joins it. Kept out of `parse` so that parsing stays pure.
"""

from __future__ import annotations

from dataclasses import replace

from inbox.connectors import InboundItem, ParsedItem
from inbox.models import Channel, Message


def follow_known(channel: Channel, items: list[ParsedItem]) -> list[ParsedItem]:
    wanted = {
        tweet_id
        for item in items
        if isinstance(item, InboundItem)
        for tweet_id in (item.external_id, item.parent_external_id)
        if tweet_id
    }
    if not wanted:
        return items
    known = dict(
        Message.objects.filter(channel=channel, external_id__in=wanted).values_list(
            "external_id", "conversation__external_thread_id"
        )
    )
    followed: list[ParsedItem] = []
    for item in items:
        if isinstance(item, InboundItem):
            thread = known.get(item.external_id) or known.get(item.parent_external_id)
            if thread and thread != item.thread_id:
                item = replace(item, thread_id=thread)
        followed.append(item)
    return followed
