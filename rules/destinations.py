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

import requests
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


# NAT64 gateways (RFC 6052 well-known and RFC 8215 local-use prefixes) forward to the IPv4
# address in the low 32 bits, so 64:ff9b::7f00:1 reaches 127.0.0.1; Python calls it global.
NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries to (mapped, 6to4, Teredo, NAT64, compatible)."""
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if any(address in net for net in NAT64):
        found.append(low32)
    if int(address) >> 32 == 0 and int(address) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        found.append(low32)
    return [a for a in found if a is not None]


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if not address.is_global or address.is_multicast:
        return True
    if isinstance(address, ipaddress.IPv6Address):
        return any(_refused(inner) for inner in _embedded_ipv4(address))
    return False


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeDestination(f"the host {host!r} does not resolve") from None
    # An IPv4 or IPv6 address's host is a str (typeshed also allows other families' int).
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def check_destination(url: str) -> str:
    """check_url, and the host resolves only to public addresses (unless allowed)."""
    check_url(url)
    if private_allowed():
        return url
    parts = urlsplit(url)
    addresses = resolve(parts.hostname or "", parts.port or 443)  # check_url: it has one
    refused = sorted({str(a) for a in addresses if _refused(a)})
    if refused or not addresses:
        raise UnsafeDestination(
            f"{parts.hostname!r} is a private, loopback or link-local address"
            f" ({', '.join(refused)}); notifications go to public https hosts only"
        )
    return url


class NoRedirectSession(requests.Session):
    """For every post to a URL `check_destination` passed: a redirect could point it at a
    private host, so none is followed (the 3xx is the answer)."""

    def get_redirect_target(self, resp):
        return None
