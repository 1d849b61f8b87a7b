"""Saved-reply variables, signatures and the personal-data check of public replies."""

import pytest

from inbox.models import SavedReply
from inbox.pii import find_personal_data
from inbox.saved_replies import fill, filled_replies, variables_for, with_signature
from tests.support import factories


def kinds(text):
    return [(f.kind, f.text) for f in find_personal_data(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("mail me at kadri.tamm+shop@example.ee please", [("email", "kadri.tamm+shop@example.ee")]),
        ("call +372 5555 1234", [("phone", "+372 5555 1234")]),
        ("my number is (555) 123-4567", [("phone", "(555) 123-4567")]),
        ("order #48377 is late", [("order number", "48377")]),
        ("Order number: AB-4821", [("order number", "AB-4821")]),
        ("card 4111 1111 1111 1111 exp 12/29", [("card number", "4111 1111 1111 1111")]),
    ],
)
def test_personal_data_is_found(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Thanks, we will ship it tomorrow!",
        "Our store opens at 9:00 and closes at 18:00.",
        "It costs 49.99 EUR, 2 for 89",
        "#blessed #outdoors",
    ],
)
def test_ordinary_replies_raise_no_alarm(text):
    assert kinds(text) == []


def test_a_long_number_failing_luhn_is_not_a_card():
    assert ("card number", "4111 1111 1111 1112") not in kinds("ref 4111 1111 1111 1112")


@pytest.mark.django_db
def test_saved_reply_variables_with_fallback(agent):
    named = factories.make_conversation(customer="Kadri Tamm")
    named.contact.order_number = "48377"
    named.contact.save()
    anonymous = factories.make_conversation(customer="")
    body = "Hi {first_name}, {agent_name} here about order {order_number}. {unknown}"
    assert (
        fill(body, variables_for(conversation=named, agent=agent))
        == "Hi Kadri, Anna here about order 48377. {unknown}"
    )
    assert fill(body, variables_for(conversation=anonymous, agent=agent)).startswith("Hi there,")
    reply = SavedReply.objects.create(title="Late", shortcut="late", body=body)
    [offered] = filled_replies([reply], conversation=named, agent=agent)
    assert offered["title"] == "Late" and offered["text"].startswith("Hi Kadri")


def test_signature_is_appended_once():
    assert with_signature("Thanks!", "— Anna, Polaris") == "Thanks!\n— Anna, Polaris"
    assert (
        with_signature("Thanks!\n— Anna, Polaris", "— Anna, Polaris") == "Thanks!\n— Anna, Polaris"
    )
    assert with_signature("Thanks!", "  ") == "Thanks!"
