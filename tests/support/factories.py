"""Small builders for test data; each takes only what the test cares about."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import User
from inbox.models import (
    Channel,
    Contact,
    Conversation,
    ConversationKind,
    Direction,
    Identity,
    Message,
)

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"  # noqa: S105 - test persona password


def make_user(username: str, *, role: str = "agent", **fields) -> User:
    user = User(username=username, role=role, email=f"{username}@example.com", **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_channel(
    kind: str = "testchat", *, external_id: str | None = None, name: str = "Test channel", **fields
) -> Channel:
    return Channel.objects.create(
        kind=kind, external_id=external_id or f"ch{next(_seq)}", name=name, **fields
    )


def make_conversation(
    channel: Channel | None = None,
    *,
    kind: str = ConversationKind.COMMENT,
    text: str = "Hello",
    customer: str = "Kadri Tamm",
    at: datetime | None = None,
    **fields,
) -> Conversation:
    channel = channel or make_channel()
    at = at or timezone.now() - timedelta(minutes=5)
    n = next(_seq)
    contact = Contact.objects.create(name=customer)
    identity = Identity.objects.create(
        contact=contact, platform=channel.kind, external_id=f"user{n}", name=customer
    )
    conversation = Conversation.objects.create(
        channel=channel,
        contact=contact,
        kind=kind,
        external_thread_id=f"thread{n}",
        preview=text[:300],
        first_inbound_at=at,
        last_inbound_at=at,
        last_message_at=at,
        **fields,
    )
    Message.objects.create(
        conversation=conversation,
        channel=channel,
        external_id=f"m{n}",
        direction=Direction.INBOUND,
        author_identity=identity,
        text=text,
        platform_timestamp=at,
        state_timestamp=at,
        routed_at=at,
    )
    return conversation
