"""Graph API errors become typed connector errors by code, never by message text.

https://developers.facebook.com/docs/graph-api/guides/error-handling
https://developers.facebook.com/docs/graph-api/overview/rate-limiting
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_fb.standin import PAGE_ID, PAGE_TOKEN, GraphStandin
from inbox.connectors import AuthExpired, RateLimited, Rejected, Unavailable
from meta.graph import GraphClient, appsecret_proof, error_from_body, parse_usage_headers
from switchboard.standin_server import served
from tests.support.facebook import fixture


def graph_error(code, subcode=None, **extra):
    error = {
        "message": "text that must not matter",
        "type": "OAuthException",
        "code": code,
        **extra,
    }
    if subcode is not None:
        error["error_subcode"] = subcode
    return {"error": error}


@pytest.mark.parametrize("code", [4, 17, 32, 613, 80001, 80002, 80006])
def test_throttling_codes_are_rate_limited(code):
    error = error_from_body(graph_error(code), status=400)
    assert isinstance(error, RateLimited)
    assert error.retry_at > timezone.now()


def test_throttle_waits_for_estimated_time_to_regain_access():
    usage = parse_usage_headers(fixture("graph_rate_limit_headers"))
    error = error_from_body(fixture("graph_error_rate_limit"), status=400, usage=usage)
    assert isinstance(error, RateLimited)
    wait = error.retry_at - timezone.now()
    assert timedelta(minutes=18) < wait <= timedelta(minutes=19)


@pytest.mark.parametrize("subcode", [None, 458, 459, 460, 463, 464, 467, 492])
def test_code_190_and_its_subcodes_mean_reconnect(subcode):
    assert isinstance(error_from_body(graph_error(190, subcode), status=400), AuthExpired)


def test_code_102_means_reconnect():
    assert isinstance(error_from_body(graph_error(102), status=400), AuthExpired)


def test_expired_token_fixture_explains_itself():
    error = error_from_body(fixture("graph_error_token_expired"), status=400)
    assert isinstance(error, AuthExpired)
    assert "expired" in str(error) and "Reconnect" in str(error)


def test_window_error_is_rejected_with_a_readable_reason():
    error = error_from_body(fixture("graph_error_outside_window"), status=400)
    assert isinstance(error, Rejected)
    assert error.code == "outside_window"
    assert "24-hour" in error.reason and "HUMAN_AGENT" in error.reason


@pytest.mark.parametrize(
    "body,status",
    [
        (graph_error(1), 400),
        (graph_error(2), 400),
        (graph_error(2, is_transient=True), 500),
        ({"error": "not the documented shape"}, 502),
        (None, 503),
    ],
)
def test_transient_errors_are_unavailable(body, status):
    assert isinstance(error_from_body(body, status=status), Unavailable)


def test_transient_fixture_is_unavailable():
    assert isinstance(error_from_body(fixture("graph_error_transient"), status=500), Unavailable)


def test_classification_ignores_the_message_text():
    body = graph_error(100)
    body["error"]["message"] = "Error validating access token: session expired (#4 throttled)"
    assert isinstance(error_from_body(body, status=400), Rejected)


@pytest.fixture
def standin():
    with served(GraphStandin()) as app:
        yield app, app.url


def test_every_call_carries_token_and_appsecret_proof(standin, settings):
    app, url = standin
    client = GraphClient(PAGE_TOKEN, base_url=url)
    assert client.get(PAGE_ID)["id"] == PAGE_ID  # the stand-in refuses calls without both
    assert "call_count" in client.usage["app"]
    params, headers = {}, {}
    client.prepare("GET", params, headers)
    assert params == {
        "access_token": PAGE_TOKEN,
        "appsecret_proof": appsecret_proof(PAGE_TOKEN, settings.META_APP_SECRET),
    }


def test_wrong_appsecret_proof_is_refused_by_the_standin(standin):
    app, url = standin
    client = GraphClient(PAGE_TOKEN, base_url=url, app_secret="someone-elses-secret")
    with pytest.raises(Rejected):
        client.get(PAGE_ID)


def test_timeout_of_a_write_may_have_landed(standin):
    app, url = standin
    app.inject("timeout_after_accept", match="likes", seconds=0.6)
    client = GraphClient(PAGE_TOKEN, base_url=url, timeout=0.2)
    with pytest.raises(Unavailable) as caught:
        client.post("104578293366512_122154830261048877/likes")
    assert caught.value.maybe_landed


def test_throttle_over_http_uses_the_usage_header(standin):
    app, url = standin
    app.inject("throttle", match="any", minutes=42)
    client = GraphClient(PAGE_TOKEN, base_url=url)
    with pytest.raises(RateLimited) as caught:
        client.get(PAGE_ID)
    assert timedelta(minutes=41) < caught.value.retry_at - timezone.now() <= timedelta(minutes=42)
