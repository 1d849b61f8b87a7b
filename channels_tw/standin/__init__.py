"""A local stand-in for the X API v2: the documented paths, bodies, headers and limits."""

from .app import XStandin

__all__ = ["XStandin"]
