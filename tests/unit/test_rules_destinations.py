"""Slack and webhook actions only post to public https hosts (no SSRF into our network).

Name resolution is the boundary: where a test needs a name to resolve to a given address
it replaces socket.getaddrinfo; "localhost" and IP literals resolve without DNS.
"""

import json
import socket

import pytest
from django.test import override_settings
from django.urls import reverse

from rules import notify
from rules.destinations import UnsafeDestination, check_destination
from rules.models import Rule
from switchboard.standin_server import served

pytestmark = pytest.mark.django_db


@pytest.fixture
def dns(monkeypatch):
    """Make names resolve to chosen addresses: dns["hooks.example.com"] = ["10.0.0.7"]."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in table:
            return real(host, port, *args, **kwargs)
        if not table[host]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in table[host]
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost:8443/hook",
        "https://10.1.2.3/",
        "https://172.16.0.1/",
        "https://192.168.1.10/",
        "https://169.254.169.254/latest/meta-data",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::1]/",
        "https://[fe80::1]/",
        "https://[fd00::5]/",
        "https://[::ffff:127.0.0.1]/",
        "https://224.0.0.1/",
        # IPv6 forms that carry 127.0.0.1 or the metadata service's IPv4 address to a gateway
        "https://[64:ff9b::7f00:1]/",
        "https://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "https://[64:ff9b:1::a9fe:a9fe]/",
        "https://[2002:7f00:1::]/",
        "https://[2002:a9fe:a9fe::1]/",
        "https://[::127.0.0.1]/",
        "https://[::169.254.169.254]/",
        "https://[::ffff:a9fe:a9fe]/",
        "https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",
    ],
)
def test_private_loopback_and_link_local_hosts_are_refused(url):
    with pytest.raises(UnsafeDestination, match="private, loopback or link-local"):
        check_destination(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/services/T/B/x",
        "ftp://example.com/",
        "hooks.slack.com/services/x",
        "https:///nohost",
        "",
        "https://example.com:notaport/",
    ],
)
def test_only_https_urls_with_a_host(url):
    with pytest.raises(UnsafeDestination):
        check_destination(url)


def test_names_are_judged_by_every_address_they_resolve_to(dns):
    dns["hooks.slack.com"] = ["54.211.30.10"]
    dns["internal.example.com"] = ["10.0.0.7"]
    dns["sneaky.example.com"] = ["54.211.30.11", "127.0.0.1"]
    dns["gone.example.com"] = []
    assert check_destination("https://hooks.slack.com/services/T/B/x")
    assert check_destination("https://93.184.215.14/hook")  # a public literal, no lookup
    # the same public address behind NAT64 and 6to4 is still public
    assert check_destination("https://[64:ff9b::5db8:d70e]/hook")
    assert check_destination("https://[2002:5db8:d70e::1]/hook")
    assert check_destination("https://[2606:4700::6810:84e5]/hook")
    with pytest.raises(UnsafeDestination, match="10.0.0.7"):
        check_destination("https://internal.example.com/hook")
    with pytest.raises(UnsafeDestination, match="127.0.0.1"):
        check_destination("https://sneaky.example.com/hook")
    with pytest.raises(UnsafeDestination, match="does not resolve"):
        check_destination("https://gone.example.com/hook")


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_the_setting_allows_a_local_stand_in():
    assert check_destination("http://127.0.0.1:8025/hook")
    assert check_destination("https://localhost/hook")
    with pytest.raises(UnsafeDestination):
        check_destination("ftp://127.0.0.1/")


def editor_form(url: str, kind: str = "webhook") -> dict:
    return {
        "name": "Escalate",
        "enabled": "on",
        "trigger": "new_message",
        "minutes": "0",
        "match": "all",
        "advanced": "",
        "c-0-type": "text_contains_any",
        "c-0-value": "urgent",
        "a-0-type": kind,
        "a-0-value": url,
    }


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_the_rule_editor_explains_the_refusal(manager_client):
    page = manager_client.post(
        reverse("rules:new"), editor_form("https://169.254.169.254/latest")
    ).content.decode()
    assert "private, loopback or link-local" in page
    page = manager_client.post(
        reverse("rules:new"), editor_form("http://hooks.slack.com/x", "notify_slack")
    ).content.decode()
    assert "Slack: &#x27;http://hooks.slack.com/x&#x27; is not an https:// URL" in page
    assert not Rule.objects.exists()


def test_the_api_refuses_with_the_reason(manager_client):
    response = manager_client.post(
        "/rules/api/rules/",
        {
            "name": "Ping",
            "conditions": {"type": "text_contains_any", "value": ["urgent"]},
            "actions": [{"type": "notify_slack", "value": "https://localhost/services/x"}],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "private, loopback or link-local" in response.json()["actions"][0]
    assert not Rule.objects.exists()


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_with_the_setting_the_editor_saves_a_local_url(manager_client):
    response = manager_client.post(reverse("rules:new"), editor_form("http://127.0.0.1:9/hook"))
    assert response.status_code == 302
    assert Rule.objects.get().actions == [{"type": "webhook", "value": "http://127.0.0.1:9/hook"}]


class Receiver:
    """Answers /hook with a redirect to /inside, as a hostile public host could."""

    def __init__(self):
        self.paths = []

    def __call__(self, environ, start_response):
        self.paths.append(environ["PATH_INFO"])
        if environ["PATH_INFO"] == "/hook":
            start_response("307 Temporary Redirect", [("Location", "/inside")])
            return [b""]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps({"ok": True}).encode()]


@pytest.fixture
def receiver():
    with served(Receiver()) as app:
        yield app


def test_the_worker_checks_again_before_posting(receiver, django_capture_on_commit_callbacks):
    """Saved while allowed (or resolving elsewhere), refused when the post is due: the rule
    actions' webhook call and Slack post go through the stored deliveries, which check the
    destination again before sending."""
    with override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True):
        with django_capture_on_commit_callbacks(execute=False) as sends:
            notify.queue_webhook(f"{receiver.url}/direct", {"rule": "Escalate"})
            notify.queue_slack(f"{receiver.url}/direct", "hello")
    for send in sends:
        send()
    assert receiver.paths == []
    with override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True):
        with django_capture_on_commit_callbacks(execute=True):
            notify.queue_webhook(f"{receiver.url}/direct", {"rule": "Escalate"})
    assert receiver.paths == ["/direct"]


@override_settings(SWITCHBOARD_ALLOW_PRIVATE_WEBHOOKS=True)
def test_redirects_are_not_followed(receiver, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify.queue_webhook(f"{receiver.url}/hook", {"rule": "Escalate"})
        notify.queue_slack(f"{receiver.url}/hook", "hello")
    assert receiver.paths == ["/hook", "/hook"]
