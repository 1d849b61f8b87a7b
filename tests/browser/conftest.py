"""Fixtures the browser tests share with the channel tests."""

from tests.support.facebook import graph_standin  # noqa: F401 (the Graph API stand-in fixture)
