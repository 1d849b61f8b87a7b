"""What agents read: attachment-only previews, usage figures and the greeting of a thread
several customers wrote in, in words rather than the names the code stores."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox import selectors
from inbox.models import Contact, Direction, Identity, Message
from inbox.saved_replies import fill, variables_for
from inbox.templatetags.inbox_ui import attachment_label, preview_text
from tests.support import factories


@pytest.mark.parametrize(
    "preview, shown",
    [
        ("[story_mention]", "Mentioned you in their story"),
        ("[photo, photo, video]", "Photo, Video"),
        ("[file]", "File"),
        ("[ok]", "[ok]"),  # a customer's own words stay
        ("See [photo] attached", "See [photo] attached"),
        ("", ""),
    ],
)
def test_attachment_only_previews_read_as_words(preview, shown):
    assert preview_text(preview) == shown


def test_attachment_labels():
    assert attachment_label("story_mention") == "Mentioned you in their story"
    assert attachment_label("image") == "Photo"
    assert attachment_label("something_new") == "Attachment"
    assert attachment_label(None) == "Attachment"


def test_usage_figures_read_as_words():
    usage = {
        "app": {"call_count": 12, "total_time": 3},
        "business": {
            "1045": [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 0}]
        },
    }
    assert selectors._figures(usage) == (
        "app: call count 12, total time 3; business 1045: type pages, call count 100, "
        "estimated time to regain access 0"
    )
    assert selectors._figures(7) == "7"
    assert selectors._figures({"ok": True, "left": None}) == "ok yes, left unknown"


@pytest.mark.django_db
def test_the_greeting_follows_the_latest_commenter(agent):
    convo = factories.make_conversation(
        text="Free followers!",
        customer="promo.followers.4u",
        at=timezone.now() - timedelta(minutes=9),
    )
    maria = Contact.objects.create(name="Maria Tamm")
    identity = Identity.objects.create(contact=maria, platform="testchat", external_id="maria")
    Message.objects.create(
        conversation=convo,
        channel=convo.channel,
        external_id="m-maria",
        direction=Direction.INBOUND,
        author_identity=identity,
        text="Lovely jacket!",
        platform_timestamp=timezone.now(),
    )
    Message.objects.create(
        conversation=convo,
        channel=convo.channel,
        external_id="m-us",
        direction=Direction.OUTBOUND,
        author_agent=agent,
        text="Thanks!",
        platform_timestamp=timezone.now() + timedelta(seconds=1),
    )
    customer = selectors.latest_customer(convo, selectors.thread_messages(convo))
    assert customer == maria  # our own later answer does not count
    values = variables_for(conversation=convo, agent=agent, customer=customer)
    assert fill("Hi {first_name}!", values) == "Hi Maria!"
    [row] = selectors.inbox_rows(selectors.ListParams(), agent)[0]
    assert row.customer_name == "Maria Tamm"
