"""The HTTP benchmark imports, names its databases and reads wrk (it is run by `make bench`,
never by the suite)."""

from bench import http_bench

WRK_REPORT = """Running 3s test @ http://127.0.0.1:8000/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    25.10ms    3.20ms  40.00ms   80.00%
  240 requests in 3.01s, 1.20MB read
  Non-2xx or 3xx responses: 2
Requests/sec:     79.73
Transfer/sec:    408.00KB
"""


def test_each_size_has_its_own_database(monkeypatch):
    monkeypatch.delenv("BENCH_PAGES_DATABASE_URL", raising=False)
    assert [http_bench.database_url(s) for s in http_bench.SIZES] == [
        "postgres://postgres@127.0.0.1:5432/switchboard_pages_bench_10k",
        "postgres://postgres@127.0.0.1:5432/switchboard_pages_bench_200k",
        "postgres://postgres@127.0.0.1:5432/switchboard_pages_bench_1m",
    ]
    assert [http_bench.conversations(s) for s in ("10k", "200k", "1M", "500")] == [
        10_000,
        200_000,
        1_000_000,
        500,
    ]


def test_sizes_are_chosen_with_bench_sizes(monkeypatch):
    monkeypatch.setenv("BENCH_SIZES", "10k, 200K")
    assert http_bench.wanted_sizes() == ["10k", "200k"]


def test_wrk_report_is_read_with_its_failures():
    assert http_bench.parse_wrk(WRK_REPORT) == {
        "rps": 79.73,
        "requests": 240,
        "bad": 2,
        "errors": "",
    }


def test_ratios_are_ours_over_the_floor():
    cost = {
        "floor list": 10,
        "floor detail": 5,
        "list": 15,
        "pane": 30,
        "page": 45,
        "floor ingest": 2,
        "webhook": 3,
    }
    assert http_bench.ratios(cost) == {"list": 1.5, "pane": 2.0, "page": 3.0, "webhook": 1.5}
