"""Customer profiles agents work: edit the contact fields, note, merge, unmerge.

A merge folds one contact into another: identities, conversations and notes move, blank
fields are filled, the rest of the other contact's values are kept in the audit record so
nothing an agent typed is lost. Each change is an AuditEvent on the conversation the agent
acted from, so it shows in that timeline. An identity merged by mistake can be split off
again with the conversations it wrote.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F

from . import live
from .models import AuditEvent, Contact, Conversation, Identity, Message, Note

EDITABLE = ("name", "email", "phone", "order_number")


def _audit(conversation: Conversation | None, verb: str, *, actor, **data) -> None:
    AuditEvent.objects.create(conversation=conversation, actor=actor, verb=verb, data=data)
    if conversation is not None:
        live.conversation_changed(conversation.pk)


@transaction.atomic
def contact_update(
    *, contact: Contact, values: dict, actor, conversation: Conversation | None = None
) -> Contact:
    """Set the editable fields (already validated by ContactForm); audits what changed."""
    changed = {f: values[f] for f in EDITABLE if f in values and values[f] != getattr(contact, f)}
    if not changed:
        return contact
    for field, value in changed.items():
        setattr(contact, field, value)
    contact.save(update_fields=[*changed, "updated_at"])
    _audit(
        conversation,
        "customer_edited",
        actor=actor,
        contact=contact.pk,
        customer=", ".join(changed),
    )
    return contact


def contact_note_add(
    *, contact: Contact, text: str, actor, conversation: Conversation | None = None
) -> Note:
    """A note on the customer: shown beside every conversation they have, not just this one."""
    note = Note.objects.create(contact=contact, author=actor, text=text.strip())
    _audit(conversation, "customer_note", actor=actor, contact=contact.pk, note_id=note.pk)
    return note


@dataclass
class MergeSide:
    contact: Contact
    identities: list[Identity]
    conversations: int
    # The newest few, so the agent can tell it is the same person before merging.
    recent: list[Conversation]


@dataclass
class MergePreview:
    keep: MergeSide
    other: MergeSide
    # Fields the merged customer takes from the other one (blank on the kept one).
    filled: dict
    # Fields where both have a different value: the kept one wins, the other is audited.
    conflicts: dict

    @property
    def identities(self) -> int:
        return len(self.keep.identities) + len(self.other.identities)

    @property
    def conversations(self) -> int:
        return self.keep.conversations + self.other.conversations


def _side(contact: Contact) -> MergeSide:
    return MergeSide(
        contact=contact,
        identities=list(contact.identities.order_by("platform", "id")),
        conversations=contact.conversations.count(),
        recent=list(
            contact.conversations.select_related("channel").order_by(
                F("last_message_at").desc(nulls_last=True)
            )[:5]
        ),
    )


def merge_preview(*, keep: Contact, other: Contact) -> MergePreview:
    filled, conflicts = {}, {}
    for field in EDITABLE:
        mine, theirs = getattr(keep, field), getattr(other, field)
        if theirs and not mine:
            filled[field] = theirs
        elif theirs and mine and theirs != mine:
            conflicts[field] = (mine, theirs)
    return MergePreview(keep=_side(keep), other=_side(other), filled=filled, conflicts=conflicts)


@transaction.atomic
def contact_merge(
    *, keep: Contact, other: Contact, actor, conversation: Conversation | None = None
) -> Contact:
    """Fold `other` into `keep` (the same person on two platforms) and delete `other`."""
    if keep.pk == other.pk:
        raise ValueError("a customer cannot be merged with itself")
    keep = Contact.objects.select_for_update().get(pk=keep.pk)
    other = Contact.objects.select_for_update().get(pk=other.pk)
    preview = merge_preview(keep=keep, other=other)
    identities = list(other.identities.values_list("pk", flat=True))
    conversations = list(other.conversations.values_list("pk", flat=True))
    Identity.objects.filter(pk__in=identities).update(contact=keep)
    Conversation.objects.filter(pk__in=conversations).update(contact=keep)
    Note.objects.filter(contact=other).update(contact=keep)
    for field, value in preview.filled.items():
        setattr(keep, field, value)
    keep.fields = {**(other.fields or {}), **(keep.fields or {})}
    keep.save()
    other_values = {f: getattr(other, f) for f in EDITABLE}
    other_pk = other.pk
    other.delete()
    _audit(
        conversation,
        "customer_merged",
        actor=actor,
        contact=keep.pk,
        merged_contact=other_pk,
        customer=other_values["name"] or f"contact {other_pk}",
        merged=other_values,
        identities=identities,
        conversations=conversations,
    )
    for pk in conversations:
        live.conversation_changed(pk)
    return keep


@transaction.atomic
def identity_unmerge(
    *, identity: Identity, actor, conversation: Conversation | None = None
) -> Contact:
    """Split a wrongly merged identity off into a customer of its own, with the
    conversations it wrote in; the rest stay. Refused for a customer's only identity."""
    old = Contact.objects.select_for_update().get(pk=identity.contact_id)
    if old.identities.count() < 2:
        raise ValueError("this is the customer's only identity")
    new = Contact.objects.create(name=identity.name or identity.handle)
    Identity.objects.filter(pk=identity.pk).update(contact=new)
    written = set(
        Message.objects.filter(author_identity=identity, conversation__contact=old).values_list(
            "conversation_id", flat=True
        )
    )
    # A thread the customer's other identities wrote in too stays with them.
    shared = set(
        Message.objects.filter(
            conversation_id__in=written, author_identity__contact=old
        ).values_list("conversation_id", flat=True)
    )
    moving = sorted(written - shared)
    Conversation.objects.filter(pk__in=moving).update(contact=new)
    _audit(
        conversation,
        "identity_unmerged",
        actor=actor,
        contact=old.pk,
        new_contact=new.pk,
        customer=identity.display_name,
        identity=identity.pk,
        conversations=moving,
    )
    for pk in moving:
        live.conversation_changed(pk)
    return new
