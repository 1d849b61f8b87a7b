"""The pane's side reads through the ORM: the definitions inbox/pane_sql.py's hand-written
SQL is checked against (tests/integration/test_pane_sql.py). Kept here, not in the app,
because nothing but that test reads them this way any more."""

from __future__ import annotations

from django.db.models import F, Q, Value

from accounts.models import Team, User
from inbox import selectors
from inbox.models import AuditEvent, Contact, Conversation, Draft, Identity, Note


def latest_events(conversation: Conversation, limit: int) -> list[AuditEvent]:
    return list(
        conversation.audit_events.select_related("actor").order_by("-created_at", "-id")[:limit]
    )


def identities(contact: Contact) -> list[Identity]:
    return list(contact.identities.order_by("platform", "id"))


def past_conversations(contact: Contact, conversation: Conversation, limit: int):
    return list(
        contact.conversations.exclude(pk=conversation.pk)
        .select_related("channel")
        .defer("channel__credentials")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")[:limit]
    )


def notes_about(conversation: Conversation, contact: Contact | None) -> list[Note]:
    about = (
        Q(conversation=conversation) | Q(contact=contact)
        if contact
        else Q(conversation=conversation)
    )
    return list(Note.objects.filter(about).select_related("author").order_by("created_at", "id"))


def linked_conversations(conversation: Conversation) -> list[Conversation]:
    return list(
        Conversation.objects.filter(
            Q(pk=conversation.origin_id) | Q(origin_id=conversation.pk)
        ).order_by("created_at", "id")
    )


def conversation(pk: int, user, *, read_state: bool = False) -> Conversation | None:
    """What inbox/access.py's get_conversation_for_agent loaded through the ORM."""
    qs = Conversation.objects.select_related("channel", "contact", "assignee", "team").defer(
        "channel__credentials", "channel__cursors", "channel__rate_limits", "channel__config"
    )
    if read_state:
        qs = qs.annotate(read_since_inbound=selectors.read_since_inbound(user))
    return qs.filter(pk=pk).first()


_PICKER_COLUMNS = ("section", "pk", "first", "second", "last_name")


def assignees() -> tuple[list[User], list[Team]]:
    agents = (
        User.objects.filter(is_active=True)
        .order_by()
        .annotate(section=Value("agent"), first=F("first_name"), second=F("username"))
        .values_list(*_PICKER_COLUMNS)
    )
    teams = (
        Team.objects.order_by()
        .annotate(section=Value("team"), first=F("name"), second=Value(""), last_name=Value(""))
        .values_list(*_PICKER_COLUMNS)
    )
    users: list[User] = []
    groups: list[Team] = []
    for section, pk, first, second, last_name in agents.union(teams, all=True).order_by(
        "section", "first", "second"
    ):
        if section == "agent":
            users.append(
                _loaded(User, id=pk, first_name=first, username=second, last_name=last_name)
            )
        else:
            groups.append(_loaded(Team, id=pk, name=first))
    return users, groups


def _loaded(model, **values):
    """An instance as the database loads it with only these fields (the rest deferred)."""
    fields = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db("default", fields, [values[name] for name in fields])


def draft(user, conversation: Conversation) -> Draft | None:
    return Draft.objects.filter(user=user, conversation=conversation).first()


def tags(conversation: Conversation):
    return list(conversation.tags.all())
