"""Managers correct a conversation's intent; corrections are kept and exported for retraining."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from inbox.models import AuditEvent, Conversation
from rules.classify_inbound import classify_message
from rules.models import IntentCorrection
from tests.support import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    return factories.make_conversation(
        text="the jacket shrank two sizes after one wash", intent="other", language="en"
    )


def correct(client, conversation, intent):
    return client.post(reverse("rules:correct_intent", args=[conversation.pk]), {"intent": intent})


def test_a_manager_corrects_the_intent_and_the_message_becomes_an_example(
    client, manager, conversation
):
    client.force_login(manager)
    response = correct(client, conversation, "complaint")
    assert response.status_code == 302
    assert response["Location"] == reverse("inbox:conversation", args=[conversation.pk])
    conversation.refresh_from_db()
    assert conversation.intent == "complaint"
    example = IntentCorrection.objects.get()
    assert example.text == "the jacket shrank two sizes after one wash"
    assert (example.predicted, example.intent, example.corrected_by) == (
        "other",
        "complaint",
        manager,
    )
    event = AuditEvent.objects.get(conversation=conversation, verb="intent_corrected")
    assert event.actor == manager
    page = client.get(reverse("inbox:conversation", args=[conversation.pk])).content.decode()
    assert "intent corrected (other → complaint)" in page


def test_agents_cannot_correct(agent_client, conversation):
    assert correct(agent_client, conversation, "complaint").status_code == 403
    assert not IntentCorrection.objects.exists()


@pytest.mark.parametrize("intent", ["unsure", "angry", ""])
def test_only_a_real_intent_is_accepted(client, manager, conversation, intent):
    client.force_login(manager)
    assert correct(client, conversation, intent).status_code == 400
    assert Conversation.objects.get(pk=conversation.pk).intent == "other"


def test_the_conversation_page_offers_the_correction_to_managers_only(
    client, manager, agent, conversation
):
    url = reverse("inbox:conversation", args=[conversation.pk])
    client.force_login(manager)
    assert 'id="correct-intent"' in client.get(url).content.decode()
    client.force_login(agent)
    assert 'id="correct-intent"' not in client.get(url).content.decode()


def test_export_writes_the_corrections_as_training_jsonl(client, manager, conversation, tmp_path):
    client.force_login(manager)
    correct(client, conversation, "complaint")
    out = tmp_path / "corrections.jsonl"
    call_command("export_intent_corrections", "--output", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 1
    assert rows[0]["text"] == "the jacket shrank two sizes after one wash"
    assert (rows[0]["language"], rows[0]["intent"], rows[0]["predicted"]) == (
        "en",
        "complaint",
        "other",
    )
    assert rows[0]["source"] == "correction"


def test_a_long_message_is_kept_as_far_as_the_classifier_reads(client, manager):
    conversation = factories.make_conversation(text="broken " * 2000)
    client.force_login(manager)
    correct(client, conversation, "complaint")
    assert len(IntentCorrection.objects.get().text) == 2000


def test_export_since_a_date(client, manager, conversation, capsys):
    client.force_login(manager)
    correct(client, conversation, "complaint")
    call_command("export_intent_corrections", "--since", "2999-01-01")
    assert capsys.readouterr().out == ""
    call_command("export_intent_corrections", "--since", "2000-01-01")
    assert json.loads(capsys.readouterr().out)["intent"] == "complaint"


def test_the_rule_editor_offers_a_minimum_confidence(client, manager):
    client.force_login(manager)
    page = client.get(reverse("rules:new")).content.decode()
    assert "Intent confidence is at least (%)" in page


def test_an_unsure_message_does_not_overwrite_the_conversations_intent(monkeypatch):
    conversation = factories.make_conversation(text="Where is my order? Two weeks now!")
    message = conversation.messages.get()
    Conversation.objects.filter(pk=conversation.pk).update(intent="complaint")
    conversation.refresh_from_db()
    monkeypatch.setenv("SWITCHBOARD_INTENT_UNSURE_BELOW", "1.01")  # nothing is sure enough
    result = classify_message(message)
    assert result.intent == "unsure"
    assert message.extra["intent"] == "unsure"
    assert 0 < message.extra["intent_confidence"] < 1
    assert message.extra["intent_cue"].startswith("best guess ")
    assert Conversation.objects.get(pk=conversation.pk).intent == "complaint"


def test_an_unsure_first_message_shows_unsure(monkeypatch):
    conversation = factories.make_conversation(text="hmm")
    monkeypatch.setenv("SWITCHBOARD_INTENT_UNSURE_BELOW", "1.01")
    classify_message(conversation.messages.get())
    assert Conversation.objects.get(pk=conversation.pk).intent == "unsure"
