"""The pane's links built in Python are the URLs the template's `{% url %}` tags gave."""

from django.urls import reverse

from inbox.models import Contact, Conversation
from inbox.pane_links import ACT_VERBS, pane_links


def test_each_link_is_the_reversed_url():
    links = pane_links(Conversation(pk=42, is_spam=False), Contact(pk=7))
    assert links.act == {verb: reverse("inbox:act", args=[42, verb]) for verb in ACT_VERBS}
    assert links.spam_toggle == reverse("inbox:act", args=[42, "spam"])
    assert links.reply == reverse("inbox:reply", args=[42])
    assert links.draft == reverse("inbox:draft", args=[42])
    assert links.correct_intent == reverse("rules:correct_intent", args=[42])
    assert links.customer_edit == reverse("inbox:customer_edit", args=[42, 7])
    assert links.customer_note == reverse("inbox:customer_note", args=[42, 7])
    assert links.customer_merge == reverse("inbox:customer_merge", args=[42, 7])


def test_a_spam_conversation_offers_not_spam():
    links = pane_links(Conversation(pk=42, is_spam=True), None)
    assert links.spam_toggle == reverse("inbox:act", args=[42, "unspam"])
    # No customer, no customer forms (the panel shows none).
    assert links.customer_edit == links.customer_note == links.customer_merge == ""
