"""Benchmark: the inbox page at 1,000,000 conversations on PostgreSQL, against a bare-Django
page of the same rows (bench/floor.py), measured in the same run.

    python -m bench inbox_bench        (BENCH_CONVERSATIONS=1000000 BENCH_RUNS=40 by default)

Uses the database in BENCH_DATABASE_URL (default: switchboard_bench on the local PostgreSQL;
created if missing and filled once with generate_series, which takes about two minutes).
"""

from __future__ import annotations

import os
import statistics
import time
from urllib.parse import urlsplit

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/switchboard_bench"


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


FILL = """
INSERT INTO inbox_contact (name, email, phone, order_number, fields, created_at, updated_at)
SELECT 'Customer ' || g, '', '', '', '{}', now(), now() FROM generate_series(1, %(n)s) g;

INSERT INTO inbox_conversation (channel_id, contact_id, kind, external_thread_id,
    context_external_id, context, state, is_spam, priority, language, intent, preview,
    first_inbound_at, last_inbound_at, last_message_at, created_at, updated_at, sla_due_at)
SELECT %(channel)s, c.id, (ARRAY['comment','dm','mention','search'])[1 + c.id %% 4],
    'bench-' || c.id, CASE WHEN c.id %% 4 = 0 THEN 'post-' || (c.id %% 500) ELSE '' END, '{}',
    CASE WHEN c.id %% 10 < 7 THEN 'closed' WHEN c.id %% 10 < 9 THEN 'open' ELSE 'pending' END,
    false, (ARRAY['low','normal','normal','high'])[1 + c.id %% 4],
    (ARRAY['en','et','ru','de'])[1 + c.id %% 4], 'question',
    'Message number ' || c.id || ': where is my order?',
    now() - (c.id || ' seconds')::interval, now() - (c.id || ' seconds')::interval,
    now() - (c.id || ' seconds')::interval, now(), now(),
    now() + ((c.id %% 7200) || ' seconds')::interval
FROM inbox_contact c WHERE c.id > %(first_contact)s;

INSERT INTO inbox_message (conversation_id, channel_id, external_id, direction, visibility,
    text, attachments, extra, platform_timestamp, parent_external_id, edited, edit_history,
    deleted, hidden, liked, placeholder, is_automatic, sent_natively, delivery_status,
    permalink, routed_at, created_at)
SELECT v.id, v.channel_id, 'bm-' || v.id, 'in', 'public', v.preview, '[]', '{}',
    v.last_message_at, '', false, '[]', false, false, false, false, false, false, '', '', now(),
    now()
FROM inbox_conversation v WHERE v.channel_id = %(channel)s
"""


def fill(n: int) -> None:
    from django.db import connection

    from inbox.models import Channel, Contact, Conversation, Tag

    # Any registered connector will do; the page asks it for capabilities and limits.
    channel, _ = Channel.objects.get_or_create(
        kind="facebook", external_id="bench-page", defaults={"name": "Bench page"}
    )
    have = Conversation.objects.filter(channel=channel).count()
    if have >= n:
        print(f"database already holds {have:,} conversations")
        return
    Conversation.objects.filter(channel=channel).delete()
    first_contact = Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
    started = time.monotonic()
    with connection.cursor() as cursor:
        for statement in FILL.split(";\n"):
            if statement.strip():
                cursor.execute(
                    statement, {"n": n, "channel": channel.pk, "first_contact": first_contact}
                )
        tags = [Tag.objects.get_or_create(name=name)[0] for name in ("refund", "shipping", "vip")]
        for i, tag in enumerate(tags):
            cursor.execute(
                "INSERT INTO inbox_conversation_tags (conversation_id, tag_id) "
                "SELECT id, %s FROM inbox_conversation WHERE channel_id = %s AND id %% 5 = %s",
                [tag.pk, channel.pk, i],
            )
        cursor.execute("ANALYZE")
    print(f"filled {n:,} conversations in {time.monotonic() - started:.0f}s")


def measure(client, url: str, runs: int, *, before=None) -> float:
    for _ in range(3):  # warm up
        if before:
            before()
        assert client.get(url).status_code == 200
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def main() -> None:
    conversations = int(os.environ.get("BENCH_CONVERSATIONS", "1000000"))
    runs = int(os.environ.get("BENCH_RUNS", "40"))
    ensure_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from inbox.models import Conversation

    call_command("migrate", verbosity=0)
    fill(conversations)
    setup_test_environment()  # lets the test Client talk to "testserver"
    user, _ = User.objects.get_or_create(username="bench-agent", defaults={"first_name": "Bench"})
    client = Client()
    client.force_login(user)
    total = Conversation.objects.count()
    busy = Conversation.objects.filter(state="open").order_by("-last_message_at").first()
    if busy is None:
        raise RuntimeError("no open conversation to time the conversation page with")
    results = {
        "floor: bare Django, same 50 rows": measure(client, "/bench/floor/", runs),
        "inbox page (Open folder)": measure(client, "/", runs),
        "inbox page, folder counts recomputed": measure(client, "/", runs, before=cache.clear),
        "inbox page, sorted by SLA": measure(client, "/?sort=sla", runs),
        "conversation page": measure(client, f"/c/{busy.pk}/", runs),
        "search, a common word, all folders": measure(
            client, "/?q=order&folder=all", max(runs // 4, 5)
        ),
        "search, a rare word, all folders": measure(
            client, "/?q=48213&folder=all", max(runs // 4, 5)
        ),
    }
    floor = results["floor: bare Django, same 50 rows"]
    print(f"\n{total:,} conversations on PostgreSQL, median of {runs} requests each\n")
    print(f"{'page':40} {'ms':>8} {'× floor':>8}")
    for name, ms in results.items():
        print(f"{name:40} {ms:8.1f} {ms / floor:8.1f}")
