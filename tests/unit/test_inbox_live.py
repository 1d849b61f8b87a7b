"""The live change feed and presence, on the configured shared cache (database or Redis)."""

import re
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from inbox import live, presence
from tests.support import factories


@pytest.fixture
def clean_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_changes_since_lists_changed_conversations(clean_cache):
    start = live.current_version()
    live.publish(11)
    live.publish(12)
    live.publish(11)
    version, changed = live.changes_since(start)
    assert version == start + 3 and changed == {11, 12}
    assert live.changes_since(version) == (version, set())


def test_a_stale_head_hint_does_not_lose_changes(clean_cache):
    first = live.publish(1)
    cache.set(live.HEAD_KEY, 0)  # another process wrote an older hint last
    second = live.publish(2)
    assert second == first + 1
    assert live.current_version() == second
    assert live.changes_since(first - 1)[1] == {1, 2}


def test_too_far_behind_asks_for_a_reload(clean_cache):
    for n in range(live.WINDOW + 5):
        live.publish(n)
    assert live.changes_since(0)[1] is None


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishers_never_share_a_slot():
    """Writers in parallel threads (separate DB connections with the database cache)."""
    cache.clear()
    versions: list[int] = []
    lock = threading.Lock()

    def writer(base):
        for i in range(10):
            v = live.publish(base + i)
            with lock:
                versions.append(v)
        connection.close()

    threads = [threading.Thread(target=writer, args=(b * 100,)) for b in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(versions)) == 40
    _, changed = live.changes_since(0)
    assert changed == {b * 100 + i for b in range(4) for i in range(10)}
    cache.clear()


def test_change_is_announced_only_after_commit(clean_cache, django_capture_on_commit_callbacks):
    start = live.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        live.conversation_changed(5)
        assert live.current_version() == start
    assert live.changes_since(start)[1] == {5}


def test_presence_viewing_and_replying(clean_cache, agent, agent2):
    presence.announce(conversation_id=7, user=agent, replying=False)
    presence.announce(conversation_id=7, user=agent2, replying=True)
    assert [p.label for p in presence.others(conversation_id=7, user=agent)] == [
        "Boris is replying"
    ]
    assert [p.label for p in presence.others(conversation_id=7, user=agent2)] == ["Anna is viewing"]
    presence.leave(conversation_id=7, user=agent2)
    assert presence.others(conversation_id=7, user=agent) == []


def test_live_endpoint_returns_changed_rows_and_presence(clean_cache, agent_client, agent2):
    convo = factories.make_conversation(text="New here")
    since = live.current_version()
    live.publish(convo.pk)
    presence.announce(conversation_id=convo.pk, user=agent2, replying=True)
    body = agent_client.get(reverse("inbox:live"), {"v": since, "open": convo.pk}).json()
    assert [r["id"] for r in body["rows"]] == [convo.pk]
    assert "New here" in body["rows"][0]["html"]
    assert "Boris is replying" in body["presence"]
    assert 'data-count="open">1<' in body["folders"]
    closed = factories.make_conversation(text="Done", state="closed")
    live.publish(closed.pk)
    body = agent_client.get(reverse("inbox:live"), {"v": body["version"]}).json()
    assert body["rows"] == [] and body["gone"] == [closed.pk]


def _stamp(html: str) -> int:
    return int(re.search(r'id="thread"[^>]*data-version="(\d+)"', html).group(1))


@pytest.mark.django_db(transaction=True)  # the close is announced after its commit
def test_a_pane_is_not_resent_for_a_change_it_already_shows(agent_client):
    """The agent's own action comes back as the pane; the next poll must not replace the
    thread with the same thing again (a thread replaced under the pointer loses a click),
    and a later change to it still arrives."""
    convo = factories.make_conversation(text="Where is my parcel?")
    since = live.current_version()
    pane = agent_client.post(
        reverse("inbox:act", args=[convo.pk, "close"]), HTTP_HX_REQUEST="true"
    ).content.decode()
    stamp = _stamp(pane)
    assert stamp > since  # stamped after the close was announced
    poll = {"v": since, "open": convo.pk}
    body = agent_client.get(reverse("inbox:live"), {**poll, "pv": stamp}).json()
    assert "thread" not in body
    assert body["gone"] == [convo.pk]  # the row still leaves Open
    # A page that shows an older pane (or none stamped) gets it.
    body = agent_client.get(reverse("inbox:live"), {**poll, "pv": since}).json()
    assert 'class="thread"' in body["thread"] and _stamp(body["thread"]) == body["version"]
    # A change after the stamp is sent.
    live.publish(convo.pk)
    body = agent_client.get(reverse("inbox:live"), {**poll, "pv": stamp}).json()
    assert "thread" in body and _stamp(body["thread"]) == body["version"] > stamp


def test_a_stamp_from_before_the_log_restarted_does_not_hold_the_pane_back(
    clean_cache, agent_client
):
    convo = factories.make_conversation(text="Where is my parcel?")
    live.publish(convo.pk)
    # The page's stamps are from a log that was far longer (Redis came back empty).
    body = agent_client.get(reverse("inbox:live"), {"v": 0, "open": convo.pk, "pv": 900}).json()
    assert "thread" in body
