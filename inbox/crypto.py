"""Credentials at rest: Fernet (AES-128-CBC + HMAC) with keys from the environment.

`CREDENTIALS_KEYS` lists Fernet keys, newest first; older keys still decrypt, so a key can
be rotated without a migration. Without it (the demo, the tests) a key is derived from
SECRET_KEY, which is good enough for a sandbox and nothing else. The derived key stays the
last decrypt key when CREDENTIALS_KEYS is set, so an install that adds CREDENTIALS_KEYS
later can still read the channels it connected before (they are re-encrypted with the new
key the next time they are saved, e.g. on reconnect).
"""

import base64
import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

UNREADABLE = (
    "channel credentials cannot be decrypted: reconnect the channel or restore the "
    "key they were encrypted with (SECRET_KEY or CREDENTIALS_KEYS)"
)


class CredentialsUnreadable(ValueError):
    """Stored credentials that none of the configured keys decrypts."""

    def __init__(self):
        super().__init__(UNREADABLE)


def derived_key(secret_key: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest()).decode()


@cache
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    # The first key encrypts; every key decrypts.
    keys = (*keys, derived_key(secret_key))
    return MultiFernet([Fernet(key) for key in dict.fromkeys(keys)])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.CREDENTIALS_KEYS), settings.SECRET_KEY)


def encrypt(value: dict) -> str:
    return fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt(token: str) -> dict:
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsUnreadable() from exc


class UnreadableCredentials(dict):
    """What a channel's credentials read as when no configured key decrypts them: empty, so
    the channel still loads (its pages, its reconnect), and saved back unchanged, so
    restoring the key restores them."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token


def readable(credentials: dict) -> bool:
    return not isinstance(credentials, UnreadableCredentials)


if TYPE_CHECKING:
    # For django-stubs: the model attribute holds a dict, not a TextField's str. (The
    # stubs' Field, because their TextField would narrow Any to str; the runtime classes
    # take no type arguments.)
    _DictInText = models.Field[dict[str, Any], dict[str, Any]]
else:
    _DictInText = models.TextField


class EncryptedJSONField(_DictInText):
    """A dict stored as one Fernet token; the database never sees the plain text."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return {}
        try:
            return decrypt(value)
        except CredentialsUnreadable:
            return UnreadableCredentials(value)

    def to_python(self, value):
        if isinstance(value, dict):
            return value
        if value in (None, ""):
            return {}
        return decrypt(value)

    def get_prep_value(self, value):
        if isinstance(value, UnreadableCredentials):
            return value.token
        return encrypt(value or {})
