"""The recent-search query language, the part Switchboard uses.

Supported (https://docs.x.com/x-api/posts/search/integrate/build-a-query): keywords,
"quoted phrases", #hashtags, @mentions, url:, from:, to:, lang:, is:retweet, is:reply,
conversation_id:, negation with -, OR, implicit AND, and grouping with ().
"""

from __future__ import annotations

import re
from collections.abc import Callable

Predicate = Callable[[dict], bool]

_TOKEN = re.compile(r'\s*(-?\(|\)|-?[a-z_]+:"[^"]*"|-?"[^"]*"|[^\s()]+)')


class QueryError(ValueError):
    pass


def _tokens(query: str) -> list[str]:
    tokens, pos = [], 0
    query = query.strip()
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if not match:
            raise QueryError(f"cannot read the query at {query[pos : pos + 20]!r}")
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


def _words(text: str, needle: str) -> bool:
    return re.search(rf"(?<![\w#@]){re.escape(needle)}(?!\w)", text, re.IGNORECASE) is not None


def _term(token: str) -> Predicate:
    if token.startswith('"'):
        phrase = token.strip('"')
        return lambda t: _words(t["text"], phrase)
    if ":" in token and not token.startswith(("#", "@")):
        op, _, value = token.partition(":")
        value = value.strip('"').lower()
        ops: dict[str, Predicate] = {
            "url": lambda t: any(value in u.lower() for u in t.get("urls", [])),
            "from": lambda t: t["author_username"].lower() == value.lstrip("@"),
            "to": lambda t: t.get("in_reply_to_username", "").lower() == value.lstrip("@"),
            "lang": lambda t: t.get("lang", "") == value,
            "conversation_id": lambda t: t["conversation_id"] == value,
            "is": lambda t: {
                "retweet": t.get("is_retweet", False),
                "reply": t["conversation_id"] != t["id"],
                "quote": t.get("is_quote", False),
            }.get(value, False),
        }
        if op not in ops:
            raise QueryError(f"unknown operator {op}:")
        return ops[op]
    if token.startswith("#"):
        return lambda t: (
            re.search(rf"(?<!\w){re.escape(token)}(?!\w)", t["text"], re.IGNORECASE) is not None
        )
    if token.startswith("@"):
        return lambda t: _words(t["text"].replace("@", " @"), token)
    return lambda t: _words(t["text"], token)


class _Parser:
    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda t: any(p(t) for p in parts))

    def and_expr(self) -> Predicate:
        parts = []
        while self.peek() not in (None, ")", "OR"):
            parts.append(self.unary())
        if not parts:
            raise QueryError("empty group or dangling OR")
        return parts[0] if len(parts) == 1 else (lambda t: all(p(t) for p in parts))

    def unary(self) -> Predicate:
        token = self.take()
        negate = token.startswith("-") and len(token) > 1
        if negate:
            token = token[1:]
        if token == "(":
            inner = self.or_expr()
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses")
            self.take()
        else:
            inner = _term(token)
        return (lambda t: not inner(t)) if negate else inner


def compile_query(query: str) -> Predicate:
    tokens = _tokens(query)
    if not tokens:
        raise QueryError("empty query")
    parser = _Parser(tokens)
    predicate = parser.or_expr()
    if parser.peek() is not None:
        raise QueryError("unbalanced parentheses")
    return predicate
