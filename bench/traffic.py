"""What the benchmarks send: Facebook `feed` webhooks as Meta posts them, on the seeded Page.

New top-level comments from returning customers (a new conversation each) and replies in
threads of the seeded history, in the mix of languages and intents the classifier and the
seeded rules see in the demo.
"""

from __future__ import annotations

import random
import time
import uuid

from channels_fb.standin import PAGE_ID

from .seed import POSTS

TEXTS = [
    "Hi! Where is my parcel? Order 48213 was due on Monday",
    "The zipper on my new jacket broke after two days, I want a refund",
    "Do you ship to Estonia? How much is shipping?",
    "Мой заказ так и не пришёл, верните деньги",
    "我的订单什么时候到？",
    "Can I pay with PayPal or only by card?",
    "Urgent: I was charged twice for order 51120",
    "Love the new tent, amazing quality!",
    "Wo finde ich die Größentabelle für die Stiefel?",
    "Tere! Kas teil on see jope ka suuruses M?",
]
NEW_COMMENT_SHARE = 0.6


class Traffic:
    """Makes webhook bodies, each with one comment; `marker` is in every text it makes."""

    def __init__(self, *, customers: list[tuple[str, str]], threads: int, seed: int = 1):
        self.customers = customers
        self.threads = threads
        self.rng = random.Random(seed)
        self.run = uuid.uuid4().hex[:10]
        self.count = 0

    def next(self) -> tuple[dict, str]:
        """(webhook body, the comment's marker text)."""
        self.count += 1
        person_id, name = self.rng.choice(self.customers)
        marker = f"{self.run}-{self.count}"
        # First, so that the inbox row's shortened preview still shows it.
        text = f"[{marker}] {self.rng.choice(TEXTS)}"
        if self.rng.random() < NEW_COMMENT_SHARE or self.threads == 0:
            post = f"{PAGE_ID}_p{self.rng.randrange(POSTS)}"
            parent, comment = post, f"p-{self.run}-{self.count}"
        else:
            thread = self.rng.randint(1, self.threads)
            post = f"{PAGE_ID}_p{thread % POSTS}"
            parent, comment = f"bc{thread}", f"r-{self.run}-{self.count}"
        now = time.time()
        value = {
            "from": {"id": person_id, "name": name},
            "post": {"id": post, "status_type": "added_photos", "is_published": True},
            "message": text,
            "post_id": post,
            "comment_id": comment,
            "created_time": int(now),
            "item": "comment",
            "parent_id": parent,
            "verb": "add",
        }
        body = {
            "object": "page",
            "entry": [
                {
                    "id": PAGE_ID,
                    "time": int(now * 1000),
                    "changes": [{"field": "feed", "value": value}],
                }
            ],
        }
        return body, marker


def for_database(seed: int = 1) -> Traffic:
    """Traffic from (a sample of) the customers seeded in the current database."""
    from inbox.models import Conversation, Identity

    from .seed import page_channel

    channel = page_channel()
    ids = Identity.objects.filter(platform="facebook", external_id__startswith="bu-")
    low = ids.order_by("pk").values_list("pk", flat=True).first() or 0
    high = ids.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed)
    wanted = {rng.randint(low, high) for _ in range(2000)}
    customers = list(ids.filter(pk__in=wanted).values_list("external_id", "name"))
    threads = Conversation.objects.filter(
        channel=channel, external_thread_id__startswith="bc"
    ).count()
    return Traffic(customers=customers, threads=threads, seed=seed)
