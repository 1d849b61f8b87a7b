"""X settings that are configuration, not code: hosts, OAuth scopes and the tier limits.

Django settings hold the deployment's secrets and hosts (X_API_BASE, X_CLIENT_ID,
X_CLIENT_SECRET, X_CONSUMER_SECRET); a channel's own `config` overrides the per-channel
parts (tier, limits, searches, poll interval). Nothing here reads the network.
"""

from __future__ import annotations

from django.conf import settings

REAL_API_BASE = "https://api.x.com"
REAL_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"

# What the actions need, and offline.access for a refresh token
# (https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code).
SCOPES = (
    "tweet.read",
    "users.read",
    "tweet.write",
    "like.write",
    "dm.read",
    "dm.write",
    "tweet.moderate.write",
    "offline.access",
)

# The access token lives 2 h; refresh this long before it runs out.
REFRESH_MARGIN_SECONDS = 300

# Requests per 15-minute window, per user token, by tier. Defaults taken from
# https://docs.x.com/x-api/fundamentals/rate-limits for orientation only [unverified: X
# changes them and pay-per-use differs]; the headers of every response are the truth, and
# `channel.config["rate_limits"]` overrides any entry.
TIER_LIMITS: dict[str, dict[str, int]] = {
    "free": {
        "mentions": 1,
        "search_recent": 1,
        "dm_events": 1,
        "create_tweet": 17,
        "create_dm": 1,
        "like": 1,
        "hide": 1,
        "delete_tweet": 17,
        "user_tweets": 1,
        "users_lookup": 1,
    },
    "basic": {
        "mentions": 10,
        "search_recent": 60,
        "dm_events": 15,
        "create_tweet": 100,
        "create_dm": 15,
        "like": 200,
        "hide": 50,
        "delete_tweet": 50,
        "user_tweets": 5,
        "users_lookup": 100,
    },
    "pro": {
        "mentions": 300,
        "search_recent": 300,
        "dm_events": 15,
        "create_tweet": 100,
        "create_dm": 15,
        "like": 1000,
        "hide": 50,
        "delete_tweet": 50,
        "user_tweets": 900,
        "users_lookup": 900,
    },
}
DEFAULT_TIER = "basic"
WINDOW_SECONDS = 900

# (min, max) results per page each endpoint accepts; polls ask for the max, so they make the
# fewest calls, unless `channel.config["page_size"]` asks for less.
PAGE_SIZE = {
    "mentions": (5, 100),
    "search_recent": (10, 100),
    "dm_events": (1, 100),
    "user_tweets": (5, 100),
}

# Recent search queries are limited to 512 characters on the self-serve tiers.
MAX_QUERY_LENGTH = 512


def api_base(channel=None) -> str:
    return ((channel.api_base_url if channel is not None else "") or settings.X_API_BASE).rstrip(
        "/"
    )


def authorize_url(api_base_url: str) -> str:
    """X's consent page; a stand-in serves it on its own host at the same path."""
    if settings.X_AUTHORIZE_URL:
        return settings.X_AUTHORIZE_URL
    if api_base_url.rstrip("/") in (REAL_API_BASE, "https://api.twitter.com"):
        return REAL_AUTHORIZE_URL
    return f"{api_base_url.rstrip('/')}/i/oauth2/authorize"


def token_url(api_base_url: str) -> str:
    return f"{api_base_url.rstrip('/')}/2/oauth2/token"


def tier_limits(channel) -> dict[str, int]:
    """The configured request budget per endpoint for this channel's tier."""
    tier = channel.config.get("tier", DEFAULT_TIER)
    limits = dict(TIER_LIMITS.get(tier, TIER_LIMITS[DEFAULT_TIER]))
    limits.update({k: int(v) for k, v in channel.config.get("rate_limits", {}).items()})
    return limits


def reserve(channel) -> int:
    """Requests per endpoint the poller leaves unused for agents' actions and retries."""
    return int(channel.config.get("rate_limit_reserve", 0))
