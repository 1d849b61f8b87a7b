"""Live updates and presence without a reachable cache: stand-in answers, never errors."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from inbox import live, presence, shared_cache
from tests.support.worker import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_redis():
    """The shared cache is a Redis that nobody serves (connection refused)."""
    shared_cache.reset()
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            }
        }
    ):
        yield
    shared_cache.reset()


def test_without_the_cache_nothing_fails_and_the_feed_says_paused(dead_redis, agent):
    assert live.publish(7) == 0
    assert shared_cache.paused()
    assert live.changes_since(12) == (12, set())
    assert live.current_version() == 0
    presence.announce(conversation_id=7, user=agent, replying=True)
    assert presence.others(conversation_id=7, user=agent) == []


def test_an_inbox_ahead_of_an_emptied_log_reloads():
    version = live.publish(1)
    live.publish(2)
    assert live.changes_since(version) == (version + 1, {2})
    cache.clear()  # Redis restarted without its data
    assert live.changes_since(version + 1)[1] is None
    live.publish(3)  # the new log starts again at 1, behind the inbox
    assert live.changes_since(version + 1 + 40)[1] is None
