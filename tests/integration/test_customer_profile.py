"""The customer profile agents work (issue 12): edit, note, find, merge with a preview, and
split off an identity merged by mistake — each audited in the conversation's timeline."""

from __future__ import annotations

import pytest

from inbox.models import AuditEvent, Contact, Conversation, Identity, Note
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_of_maria(db):
    """The same person on two channels, as two customers."""
    fb = factories.make_channel("testchat", name="Facebook page")
    x = factories.make_channel("testchat", name="X account")
    on_fb = factories.make_conversation(fb, text="Where is my parcel?", customer="Maria Tamm")
    on_x = factories.make_conversation(x, text="@shop still no parcel", customer="maria_t")
    Contact.objects.filter(pk=on_x.contact_id).update(email="maria@example.com")
    return on_fb, on_x


def test_editing_the_contact_fields_validates_and_audits(agent_client, two_of_maria):
    convo, _ = two_of_maria
    url = f"/c/{convo.pk}/customer/{convo.contact_id}/edit/"
    bad = agent_client.post(
        url,
        {"name": "Maria Tamm", "email": "not-an-email", "phone": "call me", "order_number": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "Enter a valid email address" in bad.content.decode()
    assert "Enter a phone number" in bad.content.decode()
    assert Contact.objects.get(pk=convo.contact_id).email == ""

    agent_client.post(
        url,
        {
            "name": "Maria Tamm",
            "email": "maria.tamm@example.com",
            "phone": "+372 5555 1234",
            "order_number": "#A-1042",
        },
    )
    contact = Contact.objects.get(pk=convo.contact_id)
    assert (contact.email, contact.phone, contact.order_number) == (
        "maria.tamm@example.com",
        "+372 5555 1234",
        "A-1042",
    )
    page = agent_client.get(f"/c/{convo.pk}/").content.decode()
    assert "maria.tamm@example.com" in page
    assert "edited the customer: email, phone, order_number" in page


def test_a_note_on_the_customer_shows_in_their_other_conversations(agent_client, two_of_maria):
    convo, _ = two_of_maria
    other = factories.make_conversation(convo.channel, text="And a second question")
    Identity.objects.filter(contact=other.contact).update(contact=convo.contact)
    Conversation.objects.filter(pk=other.pk).update(contact=convo.contact)
    agent_client.post(
        f"/c/{convo.pk}/customer/{convo.contact_id}/note/", {"text": "Prefers e-mail, VIP"}
    )
    assert Note.objects.get(contact=convo.contact_id).conversation is None
    assert "Prefers e-mail, VIP" in agent_client.get(f"/c/{other.pk}/").content.decode()


def test_search_finds_the_customer_by_email_order_number_and_phone(agent_client, two_of_maria):
    on_fb, on_x = two_of_maria
    Contact.objects.filter(pk=on_fb.contact_id).update(order_number="A-1042", phone="+3725551234")
    for q, found in [
        ("maria@example.com", on_x),
        ("MARIA@EXAMPLE.COM", on_x),
        ("A-1042", on_fb),
        ("#a-1042", on_fb),
        ("+3725551234", on_fb),
    ]:
        page = agent_client.get("/", {"folder": "all", "q": q}).content.decode()
        assert f'id="row-{found.pk}"' in page, q
        assert f'id="row-{(on_x if found == on_fb else on_fb).pk}"' not in page, q


def test_merge_preview_then_merge_then_unmerge(agent_client, agent, two_of_maria):
    on_fb, on_x = two_of_maria
    keep, other = on_fb.contact, on_x.contact
    url = f"/c/{on_fb.pk}/customer/{keep.pk}/merge/"
    found = agent_client.get(url, {"q": "maria@example.com"}).content.decode()
    assert f"other={other.pk}" in found
    preview = agent_client.get(url, {"other": other.pk}).content.decode()
    assert "maria_t" in preview and "Maria Tamm" in preview
    assert "2 identities, 2 conversations" in preview
    assert "Where is my parcel?" in preview and "still no parcel" in preview  # both histories
    assert Contact.objects.filter(pk=other.pk).exists()  # a preview changes nothing

    agent_client.post(url, {"other": other.pk})
    assert not Contact.objects.filter(pk=other.pk).exists()
    keep.refresh_from_db()
    assert keep.email == "maria@example.com"  # filled from the merged one
    assert set(keep.identities.values_list("name", flat=True)) == {"Maria Tamm", "maria_t"}
    assert set(keep.conversations.values_list("pk", flat=True)) == {on_fb.pk, on_x.pk}
    event = AuditEvent.objects.get(verb="customer_merged")
    assert event.conversation_id == on_fb.pk and event.actor == agent
    assert event.data["merged"]["email"] == "maria@example.com"
    page = agent_client.get(f"/c/{on_fb.pk}/").content.decode()
    assert "merged in the customer maria_t" in page
    assert "still no parcel" in page  # the other history, under past conversations

    identity = keep.identities.get(name="maria_t")
    agent_client.post(f"/c/{on_fb.pk}/identity/{identity.pk}/unmerge/")
    identity.refresh_from_db()
    assert identity.contact_id != keep.pk
    assert Conversation.objects.get(pk=on_x.pk).contact_id == identity.contact_id
    assert Conversation.objects.get(pk=on_fb.pk).contact_id == keep.pk
    assert AuditEvent.objects.filter(verb="identity_unmerged").count() == 1
    # The only identity left cannot be split off.
    last = keep.identities.get()
    assert agent_client.post(f"/c/{on_fb.pk}/identity/{last.pk}/unmerge/").status_code == 400


def test_outsiders_cannot_touch_customers(client, two_of_maria):
    convo, _ = two_of_maria
    response = client.post(f"/c/{convo.pk}/customer/{convo.contact_id}/edit/", {"name": "x"})
    assert response.status_code in (302, 403)
    assert Contact.objects.get(pk=convo.contact_id).name == "Maria Tamm"


def test_unmerge_keeps_a_thread_both_identities_wrote_in(agent, two_of_maria):
    from inbox.contacts import contact_merge, identity_unmerge
    from inbox.models import Direction, Message

    on_fb, on_x = two_of_maria
    x_identity = on_x.contact.identities.get()
    keep = contact_merge(keep=on_fb.contact, other=on_x.contact, actor=agent)
    Message.objects.create(
        conversation=on_fb,
        channel=on_fb.channel,
        external_id="m-both",
        direction=Direction.INBOUND,
        author_identity=x_identity,
        text="me again",
        platform_timestamp=on_fb.last_message_at,
    )
    x_identity.refresh_from_db()
    new = identity_unmerge(identity=x_identity, actor=agent, conversation=on_fb)
    assert Conversation.objects.get(pk=on_fb.pk).contact_id == keep.pk
    assert Conversation.objects.get(pk=on_x.pk).contact_id == new.pk
