"""The Facebook Login dialog as the stand-in plays it: www.facebook.com's role, on its own host.

Manual flow (https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow):
the app sends the browser to `/{version}/dialog/oauth?client_id=&redirect_uri=&state=`, with
optional `response_type` (`code` is the default) and `scope` (comma-separated). On "Continue"
Facebook redirects to `redirect_uri?code=...&state=...`; on "Cancel" to
`redirect_uri?error_reason=user_denied&error=access_denied&error_description=Permissions+error.
&state=...`. Instagram's professional accounts are connected through the same dialog
(Facebook Login for Business, https://developers.facebook.com/docs/instagram-platform/
instagram-api-with-facebook-login/business-login-for-instagram), which may also carry
`config_id`, `display` and `extras`: the person picks Pages and the Instagram accounts linked
to them, and the app reads both from /me/accounts afterwards.
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

DENIED = {
    "error_reason": "user_denied",
    "error": "access_denied",
    "error_description": "Permissions error.",
}


def check(app, params: dict) -> str | None:
    """Why the dialog refuses these parameters (Facebook shows an error page), or None."""
    if params.get("client_id") != app.app_id:
        return "Invalid App ID: the client_id does not name this app."
    if not params.get("redirect_uri", "").startswith(("http://", "https://")):
        return "URL blocked: redirect_uri must be an absolute http(s) URL."
    if params.get("response_type", "code") not in ("code", "token", "code token"):
        return "Unsupported response_type."
    return None


def page(app, params: dict) -> str:
    """The consent page: who is logged in, what the app asks for, Continue or Cancel."""
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
        if k != "decision"
    )
    pages = "".join(
        f"<li>{html.escape(p.name)}"
        + (f" · Instagram @{html.escape(p.ig_account.get('username', ''))}" if p.ig_account else "")
        + "</li>"
        for p in app.pages.values()
    )
    scopes = "".join(
        f"<li><code>{html.escape(s)}</code></li>" for s in params.get("scope", "").split(",") if s
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Log in with Facebook</title>"
        "<style>body{font-family:sans-serif;max-width:34rem;margin:3rem auto;color:#1c1e21}"
        "button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}"
        ".primary{background:#1877f2;color:#fff;border:0;border-radius:6px}</style>"
        "<p><small>Facebook stand-in (sandbox): no real account is involved.</small></p>"
        f"<h1>{html.escape(app.user_name)}, connect to {html.escape(params['client_id'])}?</h1>"
        f"<p>It will be able to manage these Pages and Instagram accounts:</p><ul>{pages}</ul>"
        f"<details><summary>Permissions asked for</summary><ul>{scopes}</ul></details>"
        f'<form method="post">{hidden}'
        '<button class="primary" name="decision" value="continue">'
        f"Continue as {html.escape(app.user_name.split()[0])}</button>"
        '<button name="decision" value="cancel">Cancel</button></form></html>'
    )


def redirect_location(redirect_uri: str, answer: dict) -> str:
    return redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(answer)


def error_page(message: str) -> str:
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Error</title>"
        f"<h1>Sorry, something went wrong.</h1><p>{html.escape(message)}</p></html>"
    )
