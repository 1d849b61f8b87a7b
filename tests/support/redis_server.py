"""A redis-server of a test's own, which the test can stop and start (tests/integration,
tests/browser), and the app's shared cache pointed at it."""

from __future__ import annotations

import subprocess

import pytest
from django.test import override_settings

from inbox import shared_cache
from tests.support.worker import free_port, wait_until


class RedisServer:
    def __init__(self, binary: str, folder) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.command = [
            binary,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ]
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, stdout=subprocess.DEVNULL)
        wait_until(self.answers, timeout=10, message="redis-server to start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url).ping()
        except redis.ConnectionError:
            return False


@pytest.fixture
def redis_server(redis_server_binary, tmp_path):
    server = RedisServer(redis_server_binary, tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def redis_cache(redis_server):
    """The app's shared cache is that server, as in production with REDIS_URL set."""
    shared_cache.reset()
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": redis_server.url.replace("/0", "/1"),
                "KEY_PREFIX": "redis-down",
            }
        }
    ):
        yield redis_server
    shared_cache.reset()
