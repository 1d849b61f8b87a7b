"""The pane's side reads written in SQL (inbox/pane_sql.py) are the ORM's
(tests/support/orm_pane.py): the same rows in the same order, the same columns and the same
related objects loaded, and the same pane HTML, with hostile text, ties and missing values,
on SQLite and PostgreSQL alike."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Team
from inbox import pane_sql, selectors
from inbox.models import (
    AuditEvent,
    Contact,
    Conversation,
    Draft,
    Identity,
    Note,
    ReadState,
    SavedReply,
    Tag,
)
from tests.support import factories, orm_pane

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>\nsecond line",
    'O\'Brien "%s" %(x)s',
    "Robert'); DROP TABLE inbox_note;--",
    "Zoë 100% \\ _under_ 🎉",
]


def values(instance) -> dict:
    """Every loaded column of a model instance, which it left deferred, and the related
    objects it holds (read without a query)."""
    deferred = instance.get_deferred_fields()
    return {
        f.attname: getattr(instance, f.attname)
        for f in type(instance)._meta.concrete_fields
        if f.attname not in deferred
    } | {
        "deferred": sorted(deferred),
        "related": {
            name: related and values(related)
            for name, related in sorted(instance._state.fields_cache.items())
        },
    }


@pytest.fixture
def customer(agent, agent2):
    """A customer with three identities, a dozen conversations (two never written in, two
    at the same time), notes on them and on the customer, a private conversation that
    continues a comment and two that continue it, and audit events by agents and rules."""
    now = timezone.now()
    channels = [factories.make_channel(name=HOSTILE[0]), factories.make_channel("facebook")]
    convo = factories.make_conversation(channels[0], text=HOSTILE[1], customer=HOSTILE[2])
    contact = convo.contact
    for platform, name in [("x", HOSTILE[3]), ("facebook", ""), ("facebook", HOSTILE[0])]:
        Identity.objects.create(
            contact=contact, platform=platform, external_id=f"{platform}{name}", name=name
        )
    for i in range(12):
        other = factories.make_conversation(
            channels[i % 2], text=HOSTILE[i % 4], at=now - timedelta(hours=i // 2 * 3 + i % 2)
        )
        Conversation.objects.filter(pk=other.pk).update(
            contact=contact,
            state=["open", "closed", "pending"][i % 3],
            last_message_at=None if i in (4, 9) else now - timedelta(hours=i if i != 3 else 2),
        )
    origin = Conversation.objects.exclude(pk=convo.pk).filter(contact=contact).first()
    Conversation.objects.filter(pk=convo.pk).update(origin=origin)
    continuations = Conversation.objects.filter(contact=contact).exclude(
        pk__in=[convo.pk, origin.pk]
    )[:2]
    Conversation.objects.filter(pk__in=[c.pk for c in continuations]).update(origin=convo)
    someone = factories.make_conversation(channels[0])
    for i, text in enumerate(HOSTILE):
        Note.objects.create(conversation=convo, author=[agent, None][i % 2], text=text)
        Note.objects.create(contact=contact, author=[None, agent2][i % 2], text=text[::-1])
    Note.objects.create(conversation=someone, author=agent, text="not about them")
    Note.objects.create(contact=someone.contact, author=agent, text="nor this")
    for i in range(9):
        AuditEvent.objects.create(
            conversation=convo,
            actor=[agent, None, agent2][i % 3],
            rule_name=HOSTILE[i % 4] if i % 3 == 1 else "",
            verb=["assigned", "rule_matched", "tagged"][i % 3],
            data={"text": HOSTILE[i % 4], "n": i},
            created_at=now - timedelta(minutes=i // 2),  # ties on the time
        )
    AuditEvent.objects.create(conversation=someone, actor=agent, verb="closed")
    for name, color in [(HOSTILE[0], "#f00"), ("billing", "red;}"), ("Zoë", "#00ff00")]:
        convo.tags.add(Tag.objects.create(name=name, color=color))
    someone.tags.add(Tag.objects.create(name="theirs"))
    convo.refresh_from_db()
    contact.refresh_from_db()
    return convo, contact


def test_every_side_read_is_the_orms(customer):
    convo, contact = customer
    pairs = [
        (pane_sql.latest_events(convo, 100), orm_pane.latest_events(convo, 100)),
        (pane_sql.latest_events(convo, 4), orm_pane.latest_events(convo, 4)),
        (pane_sql.identities(contact), orm_pane.identities(contact)),
        (
            pane_sql.past_conversations(contact, convo, 10),
            orm_pane.past_conversations(contact, convo, 10),
        ),
        (pane_sql.notes_about(convo, contact), orm_pane.notes_about(convo, contact)),
        (pane_sql.notes_about(convo, None), orm_pane.notes_about(convo, None)),
        (pane_sql.linked_conversations(convo), orm_pane.linked_conversations(convo)),
        (pane_sql.tags(convo), orm_pane.tags(convo)),
        (pane_sql.tags(convo.origin), orm_pane.tags(convo.origin)),
        (
            pane_sql.linked_conversations(convo.origin),
            orm_pane.linked_conversations(convo.origin),
        ),
    ]
    for ours, theirs in pairs:
        assert [values(row) for row in ours] == [values(row) for row in theirs]
    # The data did have what each read must tell apart.
    events, identities, past, notes, linked = (pairs[i][0] for i in (0, 2, 3, 4, 6))
    assert len(events) == 9 and len(identities) == 4 and len(past) == 10
    assert {n.author_id for n in notes} >= {None} and len(notes) == 8
    assert len(linked) == 3
    assert [t.name for t in pane_sql.tags(convo)] == sorted([HOSTILE[0], "billing", "Zoë"])


def test_the_pane_reads_as_the_orm_did(customer, agent, client, monkeypatch):
    """The whole pane, rendered from the hand-written reads and from the ORM's."""
    convo, _ = customer
    client.force_login(agent)
    monkeypatch.setattr("uuid.uuid4", lambda: type("U", (), {"hex": "token"})())

    def pane() -> str:
        html = client.get(f"/c/{convo.pk}/", HTTP_HX_REQUEST="true").content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "csrf", html)  # masked anew

    ours = pane()
    for name in (
        "latest_events",
        "identities",
        "past_conversations",
        "notes_about",
        "linked_conversations",
        "tags",
    ):
        monkeypatch.setattr(pane_sql, name, getattr(orm_pane, name))
    theirs = pane()
    assert ours == theirs
    assert "Past conversations" in ours and "Continued privately" in ours
    assert "<script>alert(1)" not in ours  # escaped, as the ORM's was


def test_a_customer_without_others_reads_nothing_more(db):
    convo = factories.make_conversation()
    contact = Contact.objects.get(pk=convo.contact_id)
    assert pane_sql.past_conversations(contact, convo, 10) == []
    assert pane_sql.linked_conversations(convo) == []
    assert pane_sql.latest_events(convo, 100) == []
    assert [i.pk for i in pane_sql.identities(contact)] == [
        i.pk for i in orm_pane.identities(contact)
    ]


def test_every_conversation_loads_as_the_orm_loaded_it(agent, agent2):
    """With and without a customer, an assignee and a team; read since the customer wrote,
    before, never, and never written by the customer; for each agent."""
    now = timezone.now()
    team = Team.objects.create(name=HOSTILE[0])
    channel = factories.make_channel("facebook", name=HOSTILE[1], config={"a": HOSTILE[2]})
    conversations = []
    for i in range(8):
        convo = factories.make_conversation(
            channel,
            text=HOSTILE[i % 4],
            customer=HOSTILE[(i + 1) % 4],
            assignee=[agent, None][i % 2],
            team=team if i % 3 else None,
            context={"text": HOSTILE[i % 4]} if i % 2 else {},
        )
        conversations.append(convo)
    Conversation.objects.filter(pk=conversations[1].pk).update(contact=None)
    Conversation.objects.filter(pk=conversations[2].pk).update(last_inbound_at=None)
    ReadState.objects.create(user=agent, conversation=conversations[3], read_at=now)
    ReadState.objects.create(
        user=agent, conversation=conversations[4], read_at=now - timedelta(days=1)
    )
    ReadState.objects.create(user=agent2, conversation=conversations[5], read_at=now)
    seen = set()
    for convo in conversations:
        for user in (agent, agent2):
            for read_state in (False, True):
                ours = pane_sql.conversation(convo.pk, user, read_state=read_state)
                theirs = orm_pane.conversation(convo.pk, user, read_state=read_state)
                assert values(ours) == values(theirs)
                if read_state:
                    assert ours.read_since_inbound is theirs.read_since_inbound
                    seen.add(ours.read_since_inbound)
                else:
                    assert not hasattr(ours, "read_since_inbound")
    assert seen == {True, False}
    assert pane_sql.conversation(10**9, agent, read_state=True) is None


def test_a_missing_conversation_is_not_found(agent_client):
    assert agent_client.get("/c/999999999/").status_code == 404


def test_the_pickers_saved_replies_and_draft_are_the_orms(agent, agent2, manager):
    """Agents active and not, namesakes, teams; saved replies for everyone, for oneself, for
    someone else, for a team one is in and one one is not, two with the same title; a draft
    of one's own and someone else's."""
    for i, name in enumerate(HOSTILE):
        factories.make_user(f"u{i}", first_name=name if i % 2 else "Anna", is_active=i != 2)
    ours_team = Team.objects.create(name=HOSTILE[1])
    other_team = Team.objects.create(name="Billing")
    ours_team.members.add(agent, agent2)
    other_team.members.add(agent2)
    replies = [
        ("everyone", None, None),
        ("personal", agent, None),
        ("personal", agent2, None),
        ("team", None, ours_team),
        ("team", None, other_team),
    ]
    for i, (scope, owner, team) in enumerate(replies * 2):
        SavedReply.objects.create(
            title=HOSTILE[i % 3], body=HOSTILE[i % 4], scope=scope, owner=owner, team=team
        )
    convo = factories.make_conversation()
    Draft.objects.create(user=agent2, conversation=convo, text=HOSTILE[0], mode="private")
    ours, theirs = pane_sql.assignees(), orm_pane.assignees()
    for mine, orms in zip(ours, theirs, strict=True):
        assert [values(row) for row in mine] == [values(row) for row in orms]
    assert len(ours[0]) == 6 and len(ours[1]) == 2
    for user in (agent, agent2, manager):
        mine = pane_sql.saved_replies(user)
        assert [values(r) for r in mine] == [values(r) for r in selectors.saved_replies_for(user)]
        assert pane_sql.draft(user, convo) == orm_pane.draft(user, convo)
    assert len(pane_sql.saved_replies(agent2)) == 8
    assert values(pane_sql.draft(agent2, convo)) == values(orm_pane.draft(agent2, convo))
