"""Where a rule may send a notification: public https hosts only.

A manager types the URL of a Slack or webhook action. Without these checks a rule could
make the worker POST to the database, the cache, a cloud metadata service (169.254.169.254)
or anything else on the private network (server-side request forgery). So a URL must be
https and its host must resolve only to global addresses. A development or demo setup
that posts to a local stand-in sets `SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS = True`, which
also allows plain http (local stand-ins have no TLS).

The editor and the API check when a rule is saved; the worker checks again right before
posting, as the name may resolve elsewhere by then. The post itself does not follow
redirects (rules/notify.py), so a public host cannot bounce it inward.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class UnsafeDestination(ValueError):
    pass


def private_allowed() -> bool:
    return bool(getattr(settings, "SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS", False))


def check_url(url: str) -> str:
    """The URL's shape and scheme (no network): what compiling a rule checks."""
    parts = urlsplit(url or "")
    allowed = ("https", "http") if private_allowed() else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeDestination(f"{url!r} is not an https:// URL")
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise UnsafeDestination(f"{url!r} has an invalid port") from None
    if not parts.hostname:
        raise UnsafeDestination(f"{url!r} has no host")
    return url


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeDestination(f"the host {host!r} does not resolve") from None
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_destination(url: str) -> str:
    """check_url, and the host resolves only to public addresses (unless allowed)."""
    check_url(url)
    if private_allowed():
        return url
    parts = urlsplit(url)
    addresses = resolve(parts.hostname, parts.port or 443)
    refused = sorted({str(a) for a in addresses if _refused(a)})
    if refused or not addresses:
        raise UnsafeDestination(
            f"{parts.hostname!r} is a private, loopback or link-local address"
            f" ({', '.join(refused)}); notifications go to public https hosts only")
    return url
