"""One-time composer tokens: a form sent twice (double click, resent request) posts once.

Each rendered composer carries a fresh token. The reply view claims it inside the reply's own
transaction: a unique row, so a second submission, in any web process, finds it taken; and if
the reply rolls back (refused, invalid) the claim goes with it and the same form may be sent
again. On the database, so it works while the shared cache (Redis) is down.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import ReplyToken

# Long after any resend of a submitted form; older claims are only storage.
KEEP = timedelta(days=2)


def new_token() -> str:
    return uuid.uuid4().hex


def claim(raw: str, *, user, conversation) -> bool:
    """Claim the token for this reply; False if it was used already (or is not a token).

    Call inside the transaction that creates the reply. A form without a token (a script,
    a page from before tokens) is not deduplicated.
    """
    if not raw:
        return True
    try:
        token = uuid.UUID(raw).hex
    except ValueError:
        return False
    return _claim(token, user=user, conversation=conversation)


def claim_key(key: str, *, user, conversation) -> bool:
    """Claim a client's own idempotency key (the API's Idempotency-Key header), per user.

    Any string: it is stored as a digest, so it fits the token column and reveals nothing.
    """
    token = hashlib.sha256(f"{user.pk}:{key}".encode()).hexdigest()[:32]
    return _claim(token, user=user, conversation=conversation)


def _claim(token: str, *, user, conversation) -> bool:
    try:
        with transaction.atomic():
            ReplyToken.objects.create(token=token, user=user, conversation=conversation)
    except IntegrityError:
        return False
    ReplyToken.objects.filter(created_at__lt=timezone.now() - KEEP).delete()
    return True
