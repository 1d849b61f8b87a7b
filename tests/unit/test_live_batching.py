"""One announcement per conversation per transaction, and none for rolled-back changes.

Real commits and savepoints (transactional_db), so Django's own on_commit machinery decides
which callbacks survive: https://docs.djangoproject.com/en/5.2/topics/db/transactions/#savepoints-and-on-commit
"""

import pytest
from django.db import transaction

from inbox import conversations, live
from tests.support import factories

# Versions are read relative to the start of each test and the cache is not cleared:
# clearing Redis flushes the whole database, other test processes' keys included.
pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    pass


def test_many_changes_to_one_conversation_take_one_slot():
    start = live.current_version()
    with transaction.atomic():
        for _ in range(6):
            live.conversation_changed(41)
        live.conversation_changed(42)
        live.conversation_changed(41)
        assert live.current_version() == start  # nothing before the commit
    version, changed = live.changes_since(start)
    assert version == start + 2
    assert changed == {41, 42}


def test_a_rule_like_burst_of_operations_is_one_slot(manager):
    convo = factories.make_conversation(text="Where is my payment?")
    start = live.current_version()
    with transaction.atomic():
        conversations.conversation_tag(conversation=convo, name="Payment", rule_name="Pay")
        conversations.conversation_set_priority(
            conversation=convo, priority="high", rule_name="Pay"
        )
        conversations.conversation_assign(conversation=convo, assignee=manager, rule_name="Pay")
    assert live.changes_since(start) == (start + 1, {convo.pk})


def test_a_rolled_back_savepoint_is_not_announced():
    start = live.current_version()
    with transaction.atomic():
        live.conversation_changed(1)
        with pytest.raises(Boom), transaction.atomic():
            live.conversation_changed(2)
            raise Boom
    assert live.changes_since(start) == (start + 1, {1})


def test_a_change_kept_after_a_rolled_back_first_change_is_announced_once():
    start = live.current_version()
    with transaction.atomic():
        with pytest.raises(Boom), transaction.atomic():
            live.conversation_changed(7)  # the first change to 7 rolls back...
            raise Boom
        live.conversation_changed(7)  # ...this one commits
        live.conversation_changed(7)
    assert live.changes_since(start) == (start + 1, {7})


def test_a_rolled_back_transaction_announces_nothing_and_the_next_one_still_does():
    start = live.current_version()
    with pytest.raises(Boom), transaction.atomic():
        live.conversation_changed(3)
        raise Boom
    assert live.current_version() == start
    with transaction.atomic():
        live.conversation_changed(3)
    assert live.changes_since(start) == (start + 1, {3})


def test_each_transaction_announces_its_own_change():
    start = live.current_version()
    for _ in range(2):
        with transaction.atomic():
            live.conversation_changed(9)
            live.conversation_changed(9)
    live.conversation_changed(9)  # autocommit: announced at once
    assert live.current_version() == start + 3


def test_a_worker_batch_announces_its_conversations_in_one_slot():
    start = live.current_version()
    with live.collected():
        with transaction.atomic():
            for conversation_id in (21, 22, 23):
                live.conversation_changed(conversation_id)
            with pytest.raises(Boom), transaction.atomic():
                live.conversation_changed(24)  # rolled back: not announced
                raise Boom
        assert live.current_version() == start  # published when the block ends
    assert live.changes_since(start) == (start + 1, {21, 22, 23})


def test_a_slot_written_before_slots_held_several_still_reads():
    from django.core.cache import cache

    start = live.current_version()
    cache.add(live._slot(start + 1), (31, 0.0), timeout=60)  # (id, time), as before
    cache.set(live.HEAD_KEY, start + 1, timeout=None)
    live.publish_many([32, 33])
    assert live.changes_since(start) == (start + 2, {31, 32, 33})
