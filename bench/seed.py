"""A Facebook Page with a history, for the worker and webhook → visible benchmarks.

`seed(messages)` fills the current database, once, with bulk SQL (generate_series): half as
many comment threads as messages, each a customer's top-level comment under one of 500 posts
(the post's text stored, as after its first fetch) and the Page's answer to it; a customer
for every two threads, with the profile already fetched. What the benchmarks then send are
new comments from those customers and replies in those threads, as Meta sends them.

Run again on a database that holds enough, it does nothing.
"""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from channels_fb.standin import PAGE_ID, PAGE_TOKEN

POSTS = 500

FILL = """
INSERT INTO inbox_contact (name, email, phone, order_number, fields, created_at, updated_at)
SELECT 'Customer ' || g, '', '', '', '{}', now(), now()
FROM generate_series(1, %(customers)s) g;

INSERT INTO inbox_identity (contact_id, platform, external_id, name, handle, avatar_url,
    profile_url, verified, profile_fetched_at)
SELECT c.id, 'facebook', 'bu-' || c.id, c.name, '', '', '', false, now()
FROM inbox_contact c WHERE c.id > %(first_contact)s;

INSERT INTO inbox_conversation (channel_id, contact_id, kind, external_thread_id,
    context_external_id, context, state, is_spam, priority, language, intent, preview,
    first_inbound_at, first_response_at, last_inbound_at, last_message_at, created_at,
    updated_at, sla_due_at, context_state, context_attempts, context_error)
WITH customer AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM inbox_contact WHERE id > %(first_contact)s)
SELECT %(channel)s, customer.id, 'comment', 'bc' || g,
    %(page)s || '_p' || (g %% %(posts)s),
    jsonb_build_object('type', 'post', 'post_id', %(page)s || '_p' || (g %% %(posts)s),
                       'text', 'Our new collection, post ' || (g %% %(posts)s)),
    CASE WHEN g %% 10 < 7 THEN 'closed' WHEN g %% 10 < 9 THEN 'open' ELSE 'pending' END,
    false, 'normal', 'en', 'question', 'Where is my order ' || g || '?',
    now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval,
    now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval, now(), now(),
    CASE WHEN g %% 10 BETWEEN 7 AND 8 THEN now() + ((g %% 7200) || ' seconds')::interval END,
    '', 0, ''
FROM generate_series(1, %(threads)s) g JOIN customer ON customer.n = g %% %(customers)s;

INSERT INTO inbox_message (conversation_id, channel_id, external_id, direction, visibility,
    author_identity_id, text, attachments, extra, platform_timestamp, state_timestamp,
    parent_external_id, edited, edit_history, deleted, hidden, liked, placeholder,
    is_automatic, sent_natively, delivery_status, permalink, created_at, routed_at)
SELECT v.id, v.channel_id, v.external_thread_id, 'in', 'public', i.id, v.preview, '[]', '{}',
    v.last_message_at, v.last_message_at, '', false, '[]', false, false, false, false,
    false, false, '', '', now(), now()
FROM inbox_conversation v JOIN inbox_identity i ON i.contact_id = v.contact_id
WHERE v.channel_id = %(channel)s;

INSERT INTO inbox_message (conversation_id, channel_id, external_id, direction, visibility,
    text, attachments, extra, platform_timestamp, state_timestamp, parent_id,
    parent_external_id, edited, edit_history, deleted, hidden, liked, placeholder,
    is_automatic, sent_natively, delivery_status, permalink, created_at)
SELECT m.conversation_id, m.channel_id, m.external_id || 'r', 'out', 'public',
    'Thanks for asking! It ships tomorrow.', '[]', '{}',
    m.platform_timestamp + interval '5 minutes', m.platform_timestamp + interval '5 minutes',
    m.id, m.external_id, false, '[]', false, false, false, false, false, false, 'posted', '',
    now()
FROM inbox_message m WHERE m.channel_id = %(channel)s AND m.direction = 'in'
"""

# Every customer message came in as a webhook event, long since processed.
EVENTS = """
INSERT INTO inbox_inboundevent (channel_kind, channel_id, delivery_key, source, payload, state,
    attempts, last_error, received_at, claimed_at, processed_at)
SELECT 'facebook', m.channel_id, 'feed:seed:' || m.external_id, 'webhook',
    jsonb_build_object('object', 'page', 'entry_id', %(page)s, 'field', 'feed',
                       'value', jsonb_build_object('item', 'comment', 'verb', 'add',
                                                   'comment_id', m.external_id,
                                                   'message', m.text)),
    'done', 1, '', m.platform_timestamp, m.platform_timestamp, m.platform_timestamp
FROM inbox_message m WHERE m.channel_id = %(channel)s AND m.direction = 'in'
ON CONFLICT DO NOTHING
"""


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database in `url` if it does not exist."""
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


def page_channel(api_base_url: str | None = None):
    """The seeded Page (the Graph stand-in's Page id and token), pointed at `api_base_url`
    when given; otherwise left where a benchmark pointed it (its stand-in)."""
    from inbox.models import Channel

    channel, _ = Channel.objects.get_or_create(
        kind="facebook", external_id=PAGE_ID, defaults={"name": "Bench page"}
    )
    if api_base_url is None:
        api_base_url = channel.api_base_url
    if channel.api_base_url != api_base_url or not channel.credentials:
        channel.api_base_url = api_base_url
        channel.credentials = {"access_token": PAGE_TOKEN}
        channel.save(update_fields=["api_base_url", "credentials"])
    return channel


def seed(messages: int, *, posts: int = POSTS, quiet: bool = False) -> dict:
    """Fill the database to `messages` messages once; returns what it holds.

    `posts` is how many posts the threads spread over (a post's comments: threads / posts).
    Call with Django set up and migrated. Also seeds the demo's response scheme (rules,
    SLA policies, business hours), which the worker runs on every new message.
    """
    from django.db import connection, transaction

    from inbox.models import Contact, Conversation, InboundEvent, Message
    from rules.seed import seed_rules

    channel = page_channel()
    seed_rules()
    have = Message.objects.filter(channel=channel).count()
    started = time.monotonic()
    if have >= messages:
        if InboundEvent.objects.filter(channel=channel).count() < have // 2:
            with connection.cursor() as cursor:
                cursor.execute(EVENTS, {"channel": channel.pk, "page": PAGE_ID})
                cursor.execute("ANALYZE")
        return {"messages": have, "seconds": time.monotonic() - started}
    with transaction.atomic():
        Conversation.objects.filter(channel=channel).delete()
        first_contact = Contact.objects.order_by("-id").values_list("id", flat=True).first() or 0
        threads = max(messages // 2, 1)
        with connection.cursor() as cursor:
            for statement in FILL.split(";\n"):
                cursor.execute(
                    statement,
                    {
                        "customers": max(threads // 2, 1),
                        "threads": threads,
                        "posts": posts,
                        "channel": channel.pk,
                        "first_contact": first_contact,
                        "page": PAGE_ID,
                    },
                )
            cursor.execute(EVENTS, {"channel": channel.pk, "page": PAGE_ID})
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    seconds = time.monotonic() - started
    have = Message.objects.filter(channel=channel).count()
    if not quiet:
        print(f"seeded {have:,} messages in {seconds:.0f}s", flush=True)
    return {"messages": have, "seconds": seconds}


def set_up(url: str, *, queue: str, messages: int) -> None:
    """Django in this process on the benchmark database `url` (created when missing),
    migrated and holding `messages` seeded messages; tasks published to `queue`."""
    import os

    ensure_database(url)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_DATABASE_URL": url,
            "CELERY_QUEUE": queue,
            "CELERY_TASK_ALWAYS_EAGER": "0",
        }
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    seed(messages)
