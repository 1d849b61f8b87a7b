"""The stand-in's routes: (method, path, handler, rate-limit endpoint or None for no auth).

Each handler takes (app, request) and returns (status, body) or raises `Reply`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets


def _app():
    from . import app

    return app


def _user_fields(request) -> set[str]:
    return set(request["query"].get("user.fields", "").split(","))


# ---- users -----------------------------------------------------------------------------


def users_me(app, request):
    user = app.users[request["user_id"]]
    return 200, {"data": app.render_user(user, _user_fields(request))}


def user_lookup(app, request):
    """GET /2/users/:id. An unknown user is a 200 with `errors` and no `data`, as X answers:
    https://docs.x.com/x-api/users/lookup/introduction"""
    (user_id,) = request["args"]
    user = app.users.get(user_id)
    if user is None:
        return 200, {
            "errors": [
                {
                    "value": user_id,
                    "detail": f"Could not find user with id: [{user_id}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "id",
                    "resource_id": user_id,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ]
        }
    return 200, {"data": app.render_user(user, _user_fields(request))}


def mentions(app, request):
    (user_id,) = request["args"]
    user = app.users.get(user_id)
    if user is None:
        raise _app().problem(404, "Not Found Error", f"Could not find user with id: [{user_id}].")
    handle = f"@{user['username']}".lower()
    with app.lock:
        found = [
            t
            for t in app.tweets.values()
            if t["author_id"] != user_id
            and (
                t.get("in_reply_to_user_id") == user_id
                or re.search(rf"{re.escape(handle)}(?!\w)", t["text"].lower())
            )
        ]
    return 200, app.tweet_page(found, request["query"], kind="mentions", size_range=(5, 100))


def user_tweets(app, request):
    (user_id,) = request["args"]
    with app.lock:
        found = [t for t in app.tweets.values() if t["author_id"] == user_id]
    return 200, app.tweet_page(found, request["query"], kind="tweets", size_range=(5, 100))


def search_recent(app, request):
    with app.lock:
        found = app.search(request["query"].get("query", ""))
    return 200, app.tweet_page(found, request["query"], kind="search", size_range=(10, 100))


# ---- tweets ----------------------------------------------------------------------------


def create_tweet(app, request):
    body = app.json_body(request)
    text = body.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _app().invalid("text is required", "text")
    if len(text) > 280:
        raise _app().problem(
            403,
            "Forbidden",
            "Your Tweet text is too long. For more "
            "information on how X determines text length see "
            "https://github.com/twitter/twitter-text.",
        )
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id", "")
    user_id = request["user_id"]
    with app.lock:
        if reply_to and (reply_to not in app.tweets or app.tweets[reply_to]["deleted"]):
            raise _app().problem(
                403,
                "Forbidden",
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
            )
        if any(
            t["author_id"] == user_id and t["text"] == text and not t["deleted"]
            for t in app.tweets.values()
        ):
            raise _app().problem(
                403, "Forbidden", "You are not allowed to create a Tweet with duplicate content."
            )
    tweet = app.add_tweet(user_id, text, in_reply_to=reply_to)
    return 201, {
        "data": {"edit_history_tweet_ids": [tweet["id"]], "id": tweet["id"], "text": tweet["text"]}
    }


def delete_tweet(app, request):
    (tweet_id,) = request["args"]
    with app.lock:
        tweet = app.tweets.get(tweet_id)
        if tweet is None or tweet["deleted"]:
            raise _app().problem(
                404,
                "Not Found Error",
                f"Could not find tweet with id: [{tweet_id}].",
                "https://api.twitter.com/2/problems/resource-not-found",
            )
        if tweet["author_id"] != request["user_id"]:
            raise _app().problem(403, "Forbidden", "You are not authorized to delete this Tweet.")
        tweet["deleted"] = True
    return 200, {"data": {"deleted": True}}


def like(app, request):
    (user_id,) = request["args"]
    tweet_id = app.json_body(request).get("tweet_id", "")
    _own_user(request, user_id)
    with app.lock:
        if tweet_id not in app.tweets:
            raise _app().invalid(f"Could not find tweet with id: [{tweet_id}].", "tweet_id")
        app.likes.add((user_id, tweet_id))
    return 200, {"data": {"liked": True}}


def unlike(app, request):
    user_id, tweet_id = request["args"]
    _own_user(request, user_id)
    with app.lock:
        app.likes.discard((user_id, tweet_id))
    return 200, {"data": {"liked": False}}


def _own_user(request, user_id):
    if user_id != request["user_id"]:
        raise _app().problem(403, "Forbidden", "You are not permitted to perform this action.")


def hide(app, request):
    (tweet_id,) = request["args"]
    hidden = app.json_body(request).get("hidden")
    if not isinstance(hidden, bool):
        raise _app().invalid("hidden must be true or false", "hidden")
    with app.lock:
        tweet = app.tweets.get(tweet_id)
        if tweet is None or tweet["deleted"]:
            raise _app().problem(
                404, "Not Found Error", f"Could not find tweet with id: [{tweet_id}]."
            )
        root = app.tweets.get(tweet["conversation_id"])
        if (
            tweet["conversation_id"] == tweet_id
            or root is None
            or root["author_id"] != request["user_id"]
        ):
            raise _app().problem(
                403,
                "Forbidden",
                "You can only hide or unhide replies to conversations you authored.",
            )
        tweet["hidden"] = hidden
    return 200, {"data": {"hidden": hidden}}


# ---- direct messages -------------------------------------------------------------------


def dm_events(app, request):
    query = request["query"]
    try:
        size = int(query.get("max_results", 100))
    except ValueError:
        raise _app().invalid("max_results must be a number", "max_results") from None
    if not 1 <= size <= 100:
        raise _app().invalid("max_results must be between 1 and 100", "max_results")
    user_id = request["user_id"]
    with app.lock:
        events = sorted(
            (e for e in app.dm_events if user_id in e["participant_ids"]),
            key=lambda e: int(e["id"]),
            reverse=True,
        )
    token = query.get("pagination_token")
    if token:
        events = [e for e in events if int(e["id"]) < app._read_token(token, "dm")]
    page, rest = events[:size], events[size:]
    fields = set(query.get("dm_event.fields", "").split(","))
    expansions = set(query.get("expansions", "").split(","))
    body = {}
    if page:
        app_mod = _app()
        data = []
        for event in page:
            out = {k: event[k] for k in app_mod.DM_DEFAULT_FIELDS}
            for k in app_mod.DM_OPTIONAL_FIELDS:
                if k in fields and k in event:
                    out[k] = app_mod.iso(event[k]) if k == "created_at" else event[k]
            data.append(out)
        body["data"] = data
        user_ids = []
        if "sender_id" in expansions:
            user_ids += [e["sender_id"] for e in page]
        if "participant_ids" in expansions:
            user_ids += [p for e in page for p in e["participant_ids"]]
        users = [app.users[i] for i in dict.fromkeys(user_ids) if i in app.users]
        if users:
            body["includes"] = {"users": [app.render_user(u, _user_fields(request)) for u in users]}
    meta = {"result_count": len(page)}
    if rest:
        meta["next_token"] = app._make_token(page[-1]["id"], "dm")
    if token and page:
        meta["previous_token"] = app._make_token(str(int(page[0]["id"]) + 1), "dm")
    body["meta"] = meta
    return 200, body


def create_dm(app, request):
    (participant_id,) = request["args"]
    text = app.json_body(request).get("text")
    if not isinstance(text, str) or not text.strip():
        raise _app().invalid("text is required", "text")
    with app.lock:
        recipient = app.users.get(participant_id)
    if recipient is None:
        raise _app().invalid(f"Could not find user with id: [{participant_id}].", "participant_id")
    if not recipient["dm_open"]:
        raise _app().problem(
            403, "Forbidden", "You are not permitted to send a Direct Message to this user."
        )
    event = app.add_dm(request["user_id"], participant_id, text)
    return 201, {
        "data": {"dm_conversation_id": event["dm_conversation_id"], "dm_event_id": event["id"]}
    }


# ---- OAuth 2.0 with PKCE ---------------------------------------------------------------


def authorize_page(app, request):
    query = request["query"]
    for name in ("client_id", "redirect_uri", "state", "code_challenge"):
        if not query.get(name):
            return 400, f"<p>Missing {name}</p>"
    if query.get("response_type") != "code" or query.get("code_challenge_method") != "S256":
        return 400, "<p>Only response_type=code with S256 PKCE is supported.</p>"
    return 200, app.authorize_page(query)


def authorize_decide(app, request):
    form = app.form_body(request)
    if form.get("approve") != "1":
        raise app.redirect(
            form["redirect_uri"], {"error": "access_denied", "state": form.get("state", "")}
        )
    code = secrets.token_urlsafe(24)
    with app.lock:
        app.codes[code] = {
            "client_id": form["client_id"],
            "redirect_uri": form["redirect_uri"],
            "challenge": form["code_challenge"],
            "scope": form.get("scope", ""),
            "user_id": form.get("user_id") or next(iter(app.users)),
        }
    raise app.redirect(form["redirect_uri"], {"state": form.get("state", ""), "code": code})


def _token_error(description: str):
    return _app().Reply(400, {"error": "invalid_request", "error_description": description})


def token(app, request):
    form = app.form_body(request)
    auth = request["headers"].get("authorization", "")
    client_id = form.get("client_id", "")
    if auth.startswith("Basic "):
        client_id = base64.b64decode(auth[6:]).decode().split(":", 1)[0]
    if not client_id:
        raise _token_error("Missing required parameter [client_id].")
    grant = form.get("grant_type")
    with app.lock:
        if grant == "authorization_code":
            issued = app.codes.pop(form.get("code", ""), None)
            if (
                issued is None
                or issued["redirect_uri"] != form.get("redirect_uri")
                or issued["client_id"] != client_id
            ):
                raise _token_error("Value passed for the authorization code was invalid.")
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .decode()
                .rstrip("=")
            )
            if challenge != issued["challenge"]:
                raise _token_error("Value passed for the code verifier did not match.")
            return 200, app.issue_token(issued["user_id"], scope=issued["scope"])
        if grant == "refresh_token":
            # Rotation: the old refresh token dies the moment it is used.
            old = app.refresh_tokens.pop(form.get("refresh_token", ""), None)
            if old is None:
                raise _token_error("Value passed for the token was invalid.")
            return 200, app.issue_token(old["user_id"], scope=old["scope"])
    raise _token_error("Value passed for grant_type was invalid.")


# ---- /_standin/ control ----------------------------------------------------------------


def control_fault(app, request):
    body = app.json_body(request)
    app.inject(
        body["mode"],
        body.get("endpoint", "*"),
        times=int(body.get("times", 1)),
        seconds=float(body.get("seconds", 3)),
    )
    return 200, {"ok": True}


def control_limits(app, request):
    with app.lock:
        app.limits.update({k: int(v) for k, v in app.json_body(request).items()})
    return 200, {"limits": app.limits}


def control_clock(app, request):
    body = app.json_body(request)
    app.advance(float(body.get("advance", 0)))
    return 200, {"now": int(app.now())}


def control_tweet(app, request):
    body = app.json_body(request)
    tweet = app.add_tweet(
        body["author_id"],
        body["text"],
        in_reply_to=body.get("in_reply_to", ""),
        lang=body.get("lang", "en"),
        urls=body.get("urls"),
    )
    return 201, {"data": {"id": tweet["id"]}}


def control_dm(app, request):
    body = app.json_body(request)
    event = app.add_dm(body["sender_id"], body["recipient_id"], body["text"])
    return 201, {"data": {"id": event["id"]}}


def control_webhook(app, request):
    body = app.json_body(request)
    with app.lock:
        app.webhook = {"url": body["url"], "secret": body["secret"], "user_id": body["user_id"]}
    return 200, {"ok": True}


def control_state(app, request):
    with app.lock:
        return 200, {
            "tweets": [{k: v for k, v in t.items()} for t in app.tweets.values()],
            "dm_events": list(app.dm_events),
            "likes": [list(pair) for pair in sorted(app.likes)],
            "calls": len(app.calls),
        }


def _r(method, path, handler, endpoint=None):
    """`endpoint` names the rate-limit budget; routes without one need no token."""
    return (method, re.compile(f"^{path}$"), handler, endpoint)


ID = r"([0-9]+)"
ROUTES = [
    _r("GET", "/2/users/me", users_me, "users_me"),
    _r("GET", f"/2/users/{ID}", user_lookup, "users_lookup"),
    _r("GET", f"/2/users/{ID}/mentions", mentions, "mentions"),
    _r("GET", f"/2/users/{ID}/tweets", user_tweets, "user_tweets"),
    _r("GET", "/2/tweets/search/recent", search_recent, "search_recent"),
    _r("POST", "/2/tweets", create_tweet, "create_tweet"),
    _r("DELETE", f"/2/tweets/{ID}", delete_tweet, "delete_tweet"),
    _r("POST", f"/2/users/{ID}/likes", like, "like"),
    _r("DELETE", f"/2/users/{ID}/likes/{ID}", unlike, "like"),
    _r("PUT", f"/2/tweets/{ID}/hidden", hide, "hide"),
    _r("GET", "/2/dm_events", dm_events, "dm_events"),
    _r("POST", f"/2/dm_conversations/with/{ID}/messages", create_dm, "create_dm"),
    _r("GET", "/i/oauth2/authorize", authorize_page),
    _r("POST", "/i/oauth2/authorize", authorize_decide),
    _r("POST", "/2/oauth2/token", token),
    _r("POST", "/_standin/faults", control_fault),
    _r("POST", "/_standin/limits", control_limits),
    _r("POST", "/_standin/clock", control_clock),
    _r("POST", "/_standin/tweets", control_tweet),
    _r("POST", "/_standin/dm", control_dm),
    _r("POST", "/_standin/webhook", control_webhook),
    _r("GET", "/_standin/state", control_state),
]
