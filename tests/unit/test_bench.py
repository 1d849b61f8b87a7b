"""The benchmarks import, name their databases, and send what Meta sends (they are run by
`make bench`, never by the suite; seeding is exercised by tests/integration/test_ingest_plans.py)."""

from bench import e2e_bench, services, worker_bench
from bench.traffic import Traffic
from channels_fb.webhooks import split as events_from_body
from meta.standin.delivery import meta_json
from meta.webhooks import sign_body


def test_each_size_has_its_own_database(monkeypatch):
    monkeypatch.setenv("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/b")
    assert [worker_bench.database_url(n) for n in worker_bench.SIZES] == [
        "postgres://postgres@127.0.0.1:5432/b_10k",
        "postgres://postgres@127.0.0.1:5432/b_200k",
        "postgres://postgres@127.0.0.1:5432/b_1m",
    ]


def test_traffic_is_one_comment_per_webhook_with_its_marker_in_the_text():
    traffic = Traffic(customers=[("bu-1", "Customer 1")], threads=10)
    bodies = [traffic.next() for _ in range(50)]
    markers = {marker for _, marker in bodies}
    assert len(markers) == 50
    kinds = set()
    for body, marker in bodies:
        (event,) = events_from_body(body)
        value = event.payload["value"]
        assert event.payload["field"] == "feed" and value["verb"] == "add"
        assert e2e_bench.MARKER.findall(value["message"]) == [marker]
        kinds.add("reply" if value["parent_id"].startswith("bc") else "new")
    assert kinds == {"new", "reply"}
    body = meta_json(bodies[0][0])
    assert sign_body(body, e2e_bench.SECRET).startswith("sha256=")


def test_free_port_is_a_port():
    assert 0 < services.free_port() < 65536
