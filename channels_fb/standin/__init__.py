"""The Graph API stand-in: `GraphStandin` (a WSGI app) and its Meta-style webhook delivery."""

from .app import PAGE_ID, PAGE_TOKEN, POST_ID, GraphStandin

__all__ = ["PAGE_ID", "PAGE_TOKEN", "POST_ID", "GraphStandin"]
