"""A script with plain `requests` and a personal token, against a live server: it lists the
inbox, answers publicly and privately and closes, and the answers reach the Graph stand-in
through the outbox, exactly as an agent's from the UI would."""

import pytest
import requests

from api.tokens import token_create
from inbox.models import AuditEvent, DeliveryStatus, OutboundAction
from tests.support.facebook import make_fb_channel

MARINA = {"id": "6984412238391107", "name": "Марина Соколова"}


@pytest.mark.django_db(transaction=True)
def test_a_requests_client_lists_replies_and_closes_through_the_outbox(
    live_server, graph_standin, agent
):
    graph_standin.configure(callback_url=f"{live_server.url}/webhooks/facebook/")
    make_fb_channel(api_base_url=graph_standin.url)
    comment_id = graph_standin.add_comment(message="Заказ №48213 так и не пришёл!", author=MARINA)
    assert graph_standin.webhooks.deliver_due(force=True) == 1
    token = token_create(user=agent, name="shop sync")[1]

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    base = f"{live_server.url}/api/v1"

    page = session.get(f"{base}/conversations/", params={"folder": "open"}, timeout=10)
    assert page.status_code == 200
    [row] = page.json()["results"]
    assert row["preview"] == "Заказ №48213 так и не пришёл!"
    assert row["channel"]["kind"] == "facebook"

    public = session.post(
        f"{base}/conversations/{row['id']}/reply/", json={"text": "Марина, проверяем!"}, timeout=10
    )
    private = session.post(
        f"{base}/conversations/{row['id']}/reply/",
        json={"text": "Пришлите номер заказа.", "private": True},
        timeout=10,
    )
    assert (public.status_code, private.status_code) == (202, 202)
    closed = session.post(f"{base}/conversations/{row['id']}/close/", timeout=10)
    assert closed.json()["state"] == "closed"

    [comment] = [p for p in graph_standin.posted if p["kind"] == "comment"]
    assert comment["parent"] == comment_id
    [pm] = [p for p in graph_standin.posted if p["kind"] == "private_reply"]
    assert pm["recipient"] == {"comment_id": comment_id}
    assert set(OutboundAction.objects.values_list("kind", "state")) == {
        ("reply", "done"),
        ("private_reply", "done"),
    }

    detail = session.get(f"{base}/conversations/{row['id']}/", timeout=10).json()
    ours = [m for m in detail["messages"] if m["direction"] == "out"]
    assert {m["delivery_status"] for m in ours} == {DeliveryStatus.POSTED}
    # The timeline names the token's owner, as for an answer from the UI.
    assert list(
        AuditEvent.objects.filter(actor=agent).values_list("verb", flat=True).order_by("id")
    ) == ["replied", "action_reply_done", "replied", "action_private_reply_done", "closed"]

    anonymous = requests.get(f"{base}/conversations/", timeout=10)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
