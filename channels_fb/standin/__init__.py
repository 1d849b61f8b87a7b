"""Facebook's Graph API stand-in: `GraphStandin`, on the Meta stand-in core (meta/standin/)."""

from .app import PAGE_ID, PAGE_TOKEN, POST_ID, GraphStandin

__all__ = ["PAGE_ID", "PAGE_TOKEN", "POST_ID", "GraphStandin"]
