"""The list's rows written in SQL (inbox/list_sql.py) are the ORM's rows: every folder,
filter, sort and page, with hostile names, on SQLite and PostgreSQL alike."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Team
from inbox import selectors
from inbox.models import (
    ActionState,
    Conversation,
    ConversationKind,
    Direction,
    Identity,
    Message,
    OutboundAction,
    ReadState,
    Tag,
)
from inbox.templatetags.inbox_ui import prepare_rows
from reports.models import Storm
from tests.support import factories, orm_rows

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    'O\'Brien "%s" %(x)s',
    "Robert'); DROP TABLE inbox_contact;--",
    "Zoë 100% \\ _under_",
]
STATES = ["open", "open", "pending", "snoozed", "closed", "open"]
PRIORITIES = ["urgent", "high", "normal", "low"]
KINDS = [ConversationKind.COMMENT, ConversationKind.DM, ConversationKind.MENTION]


@pytest.fixture
def seeded(agent, agent2, monkeypatch):
    """26 conversations over two channels, a mix of every column a row shows or sorts by."""
    now = timezone.now()
    channels = [
        factories.make_channel(name="Shop <b>&amp;</b>"),
        factories.make_channel(name='O\'Hare "Page"'),
    ]
    teams = [Team.objects.create(name='<i>Ops</i> & "Co"'), Team.objects.create(name="Billing")]
    tags = [
        Tag.objects.create(name="<img src=x onerror=alert(1)>", color="#ff0000"),
        Tag.objects.create(name="refund's", color="#00f"),
    ]
    conversations = []
    for i in range(26):
        convo = factories.make_conversation(
            channels[i % 2],
            kind=KINDS[i % 3],
            text=f"parcel {i} {HOSTILE[i % 4]}" if i % 5 else f"invoice {i}",
            customer=HOSTILE[i % 4] + f" {i}",
            # Ties on the time, two without one.
            at=now - timedelta(minutes=i // 3),
            state=STATES[i % 6],
            snoozed_until=now + timedelta(hours=1) if STATES[i % 6] == "snoozed" else None,
            is_spam=i % 9 == 4,
            assignee=[agent, agent2, None][i % 3],
            team=teams[i % 2] if i % 4 else None,
            priority=PRIORITIES[i % 4],
            language=["", "et", "fr"][i % 3],
            intent=["", "unsure", "refund"][i % 3],
            sla_due_at=None if i % 3 == 0 else now + timedelta(minutes=(i % 5) - 2),
            sla_due_soon_at=None if i % 2 else now - timedelta(minutes=1),
            context_external_id="post1" if i % 4 == 1 else f"post{i}",
        )
        if i in (7, 20):
            Conversation.objects.filter(pk=convo.pk).update(last_message_at=None)
        if i % 6 == 0:
            Conversation.objects.filter(pk=convo.pk).update(last_inbound_at=None)
        conversations.append(convo)
        for tag in tags[: i % 3]:
            convo.tags.add(tag)
        if i % 4 == 2:  # read since the customer wrote
            ReadState.objects.create(user=agent, conversation=convo, read_at=now)
        if i % 4 == 3:  # read before
            ReadState.objects.create(
                user=agent, conversation=convo, read_at=now - timedelta(days=1)
            )
        if i % 5 == 1:  # a later comment by someone else: the row names them
            other = Identity.objects.create(
                contact=factories.Contact.objects.create(name=f"Later <u>{i}</u>"),
                platform=convo.channel.kind,
                external_id=f"later{i}",
            )
            Message.objects.create(
                conversation=convo,
                channel=convo.channel,
                external_id=f"later{i}",
                direction=Direction.INBOUND,
                author_identity=other,
                text="me too",
                platform_timestamp=now + timedelta(minutes=1),
                state_timestamp=now,
                routed_at=now,
            )
        if i % 7 in (2, 5):  # an answer held or failed, and one that went out
            OutboundAction.objects.create(
                channel=convo.channel,
                conversation=convo,
                kind="reply",
                state=ActionState.FAILED if i % 7 == 2 else ActionState.HELD,
            )
        if i % 7 == 3:
            OutboundAction.objects.create(
                channel=convo.channel,
                conversation=convo,
                kind="reply",
                state=ActionState.DONE,
                attempts=1,
            )
    Storm.objects.create(
        channel=channels[1],
        context_external_id="post1",
        reason="many",
        started_at=now,
        last_seen_at=now,
    )
    # The rows' ages and SLA badges, read twice a comparison, tell the same time.
    monkeypatch.setattr(timezone, "now", lambda: now)
    return {"channels": channels, "teams": teams, "tags": tags}


def snapshot(row) -> tuple:
    """What a row shows and pages by."""
    return (
        row.pk,
        row.channel.pk,
        row.channel.kind,
        row.channel.name,
        row.contact_id,
        row.contact.name if row.contact_id else None,
        row.kind,
        row.get_kind_display(),
        row.state,
        row.assignee_id,
        row.assignee.display_name if row.assignee_id else None,
        row.team_id,
        row.team.name if row.team_id else None,
        row.priority,
        row.language,
        row.intent,
        row.preview,
        row.last_message_at,
        row.sla_due_at,
        row.sla_due_soon_at,
        row.sla_status(),
        row.is_read,
        row.customer_name,
        row.not_sent,
        row.row_tags,
    )


def walk(read, params: selectors.ListParams, user) -> list:
    """Every page's rows, their HTML included, and where the next page starts."""
    pages, after = [], ""
    while True:
        rows, after = read(selectors.ListParams(**{**params.__dict__, "after": after}), user)
        rows = prepare_rows(rows, params.as_query())
        pages.append(([(snapshot(r), r.row) for r in rows], after))
        if not after:
            return pages


def assert_same(params, user):
    ours = walk(selectors.inbox_rows, params, user)
    assert ours == walk(orm_rows.orm_inbox_rows, params, user), params
    return ours


@pytest.mark.parametrize("sort", [key for key, _ in selectors.SORTS])
def test_every_folder_and_sort_pages_as_the_orm_does(seeded, agent, monkeypatch, sort):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 4)
    shown = 0
    for folder, _ in selectors.FOLDERS:  # the other apps' folders (SLA, Storming) included
        pages = assert_same(selectors.ListParams(folder=folder, sort=sort), agent)
        shown += sum(len(rows) for rows, _ in pages)
    assert shown > 26  # the folders are not all empty


@pytest.mark.parametrize("sort", [key for key, _ in selectors.SORTS])
def test_every_filter_pages_as_the_orm_does(seeded, agent, monkeypatch, sort):
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    channel, team, tag = seeded["channels"][1], seeded["teams"][0], seeded["tags"][1]
    cases = [
        {"tag": tag.pk},
        {"channel": channel.pk},
        {"team": team.pk},
        {"kind": ConversationKind.DM},
        {"post": f"{channel.pk}:post1"},
        {"post": f"{channel.pk}:no-such-post"},
        {"q": "invoice"},
        {"q": "O'Brien"},
        {"q": "<script>"},
        {"q": "%"},
        {"q": "nobody wrote this"},
        {"tag": tag.pk, "channel": channel.pk, "kind": ConversationKind.COMMENT, "q": "parcel"},
    ]
    for folder in ("all", "open", "mine"):
        for case in cases:
            assert_same(selectors.ListParams(folder=folder, sort=sort, **case), agent)


def test_a_cursor_from_anywhere_reads_as_the_orm_reads_it(seeded, agent):
    for sort, _ in selectors.SORTS:
        for cursor in [
            "",
            "nonsense",
            "[1]",
            '["x", 1]',
            "[null, true]",
            "[null, 5]",
            "[3, null, 1]",
        ]:
            params = selectors.ListParams(folder="all", sort=sort, after=cursor)
            ours = selectors.inbox_rows(params, agent)
            theirs = orm_rows.orm_inbox_rows(params, agent)
            assert [snapshot(r) for r in ours[0]] == [snapshot(r) for r in theirs[0]]
            assert ours[1] == theirs[1]


def test_the_live_feed_reads_the_rows_still_in_view(seeded, agent):
    ids = set(Conversation.objects.values_list("pk", flat=True)[:15]) | {10**9}
    params = selectors.ListParams(folder="open", tag=seeded["tags"][0].pk)
    rows, gone = selectors.rows_by_id(ids, params, agent)
    expected = selectors.with_tags(
        list(
            orm_rows.list_rows(
                selectors.filtered_conversations(params, agent).filter(pk__in=ids), agent
            ).order_by("pk")
        )
    )
    assert sorted(map(snapshot, rows)) == [snapshot(r) for r in expected]
    assert rows and gone == ids - {r.pk for r in expected}


def test_a_search_with_many_matches_pages_as_the_orm_does(seeded, agent, monkeypatch):
    """Past FEW_MATCHES the search checks each conversation against the words (a
    subquery in the statement) instead of fetching the matches by id."""
    from inbox import search

    monkeypatch.setattr(search, "FEW_MATCHES", 1)
    monkeypatch.setattr(selectors, "PAGE_SIZE", 3)
    for q in ("parcel", "O'Brien", "nobody wrote this"):
        for sort, _ in selectors.SORTS:
            assert_same(selectors.ListParams(folder="all", sort=sort, q=q), agent)
