"""`inbox` builds on `accounts` (users, teams, roles), never the other way round: the
inbox registers its own settings pages (saved replies, tags) with the accounts app."""

import ast
from pathlib import Path

from django.urls import reverse

ACCOUNTS = Path(__file__).resolve().parents[2] / "accounts"


def test_accounts_imports_nothing_from_inbox():
    offenders = []
    for path in ACCOUNTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] == "inbox"]
    assert offenders == []


def test_the_managed_pages_keep_their_addresses():
    assert reverse("accounts:saved_replies") == "/manage/saved-replies/"
    assert reverse("accounts:tags_edit", args=[3]) == "/manage/tags/3/"
    assert reverse("accounts:teams") == "/manage/teams/"
