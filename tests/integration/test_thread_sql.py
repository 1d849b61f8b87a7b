"""The thread read by hand-written SQL (inbox/thread_sql.py) is the ORM's thread
(tests/support/orm_thread.py): the same messages in the same order, the same columns, authors,
channels and outbox actions, and the same HTML, over agent, customer and automatic messages,
deleted, hidden, edited and liked ones, every action state and hostile text, on SQLite and
PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from inbox import message_offers, selectors
from inbox.models import (
    ActionState,
    Contact,
    ConversationKind,
    Direction,
    Identity,
    Message,
    OutboundAction,
)
from tests.support import factories, orm_thread

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>\nsecond line",
    'O\'Brien "%s" %(x)s',
    "Robert'); DROP TABLE inbox_message;--",
    "Zoë 100% \\ _under_ 🎉",
]


def values(instance) -> dict:
    """Every loaded column of a model instance, and which it left deferred."""
    deferred = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname)
        for f in type(instance)._meta.concrete_fields
        if f.attname not in deferred
    } | {"deferred": sorted(deferred)}


def snapshot(message: Message) -> dict:
    """What a reader of the thread can see of a message without a query."""
    identity = message.author_identity
    return {
        "message": values(message),
        "identity": identity and values(identity),
        "contact": identity and values(identity.contact),
        "agent": message.author_agent and values(message.author_agent),
        "channel": values(message.channel),
        "conversation": message.conversation.pk,
        "actions": [values(a) | {"message": a.message.pk} for a in message.actions.all()],
    }


def rendered(conversation, messages) -> str:
    """The pane's messages as the page renders them."""
    return "".join(
        render_to_string(
            "inbox/inbox.html#message",
            {"m": m, "offer": offer, "conversation": conversation, "may_delete": True},
        )
        for m, offer in message_offers.offers(conversation, messages)
    )


@pytest.fixture
def threads(agent):
    """Three conversations on two kinds of channel, their threads a mix of everything the
    pane shows: customers (two of them in one thread), the agent, automation, the platform,
    every flag, attachments, edit history, timestamp ties and one without a timestamp, and
    outbox actions in every state, two on one message."""
    now = timezone.now()
    channels = [
        factories.make_channel(name="Shop <b>&amp;</b>"),
        factories.make_channel("facebook", name='O\'Hare "Page"'),
    ]
    conversations = [
        factories.make_conversation(channels[0], text=HOSTILE[0], customer=HOSTILE[1], at=now),
        factories.make_conversation(
            channels[1], kind=ConversationKind.COMMENT, text=HOSTILE[2], at=now
        ),
        factories.make_conversation(channels[1], kind=ConversationKind.DM, at=now),
    ]
    other = Identity.objects.create(
        contact=Contact.objects.create(name=HOSTILE[3]),
        platform="facebook",
        external_id="other",
        name="",
        handle="<b>h</b>",
    )
    states = list(ActionState)
    for c, convo in enumerate(conversations):
        for i in range(8):
            outbound = i % 2 == 1
            message = Message.objects.create(
                conversation=convo,
                channel=convo.channel,
                external_id=f"c{c}m{i}" if i != 5 else None,
                direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
                visibility="private" if i == 3 else "public",
                author_identity=None if outbound else (other if i == 4 else None),
                author_agent=agent if i in (1, 7) else None,
                is_automatic=i == 3,
                text=HOSTILE[(i + c) % 4],
                attachments=[{"type": "image", "url": "https://x.example/a.png"}] if i == 2 else [],
                edit_history=[{"text": "<i>was</i>", "at": now.isoformat()}] if i == 6 else [],
                edited=i == 6,
                deleted=i == 4,
                hidden=i == 2,
                liked=i == 6,
                placeholder=i == 0 and c == 2,
                delivery_status=["", "sent", "failed", "delivered"][i % 4] if outbound else "",
                permalink="https://x.example/p" if i == 2 else "javascript:alert(1)",
                # Ties on the time, and one message without one.
                platform_timestamp=None if i == 5 else now + timedelta(minutes=i // 3),
                extra={"raw": HOSTILE[i % 4]},
            )
            if outbound:
                for n in range(1 if i < 7 else 2):
                    OutboundAction.objects.create(
                        channel=convo.channel,
                        conversation=convo,
                        message=message,
                        kind="reply",
                        state=states[(i + n + c) % len(states)],
                        reason=HOSTILE[n] if n else "",
                        last_error="<b>timeout</b>",
                        payload={"text": HOSTILE[i % 4]},
                        attempts=n + 1,
                    )
    return conversations


def test_every_thread_reads_as_the_orm_reads_it(threads):
    seen_states = set()
    for convo in threads:
        ours = selectors.thread_messages(convo)
        theirs = orm_thread.thread_messages(convo)
        assert [m.pk for m in ours] == [m.pk for m in theirs]
        assert [snapshot(m) for m in ours] == [snapshot(m) for m in theirs]
        assert rendered(convo, ours) == rendered(convo, theirs)
        seen_states |= {a.state for m in ours for a in m.actions.all()}
    assert seen_states == set(ActionState)  # the data did cover every state


def test_the_thread_needs_no_more_queries_once_read(threads, django_assert_num_queries):
    convo = threads[1]
    with django_assert_num_queries(2):
        messages = selectors.thread_messages(convo)
    with django_assert_num_queries(0):
        rendered(convo, messages)
        [snapshot(m) for m in messages]


def test_an_empty_thread_is_one_query(threads, django_assert_num_queries):
    convo = threads[0]
    convo.messages.all().delete()
    with django_assert_num_queries(1):
        assert selectors.thread_messages(convo) == []
