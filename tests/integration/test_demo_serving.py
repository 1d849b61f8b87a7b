"""The demo's web process serves the inbox's own assets (CSS, scripts, htmx) without DEBUG.

`make run` starts `runserver` with DEBUG off, so Django itself serves no static files; the
inbox would be an unstyled page with no keyboard or live updates. WhiteNoise serves them.
"""

import json
import os
import re
import subprocess
import sys
import urllib.request

from django.conf import settings

from channels_tw.webhooks import signature
from meta.webhooks import sign_body
from tests.support.worker import web_process


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local server
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def test_demo_web_process_serves_every_asset_the_login_page_uses(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        "SWITCHBOARD_VAR_DIR": str(tmp_path),
        "SWITCHBOARD_DEMO": "1",
        "DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    with web_process(env, timeout=30) as base:
        page = fetch(f"{base}/login/")[1]
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert any(a.endswith(".css") for a in assets)
        assert any("htmx" in a for a in assets)
        assert {a: fetch(base + a)[0] for a in assets} == {a: 200 for a in assets}


def post(url: str, body: bytes, headers: dict) -> int:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - local
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_demo_verifies_webhooks_with_its_own_secrets_not_the_old_repository_ones(tmp_path):
    """A copy of the code holds no secret: what used to be the fallback is refused, what
    this demo made for itself (var/local-secrets.json) is accepted."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "switchboard.settings",
        "SWITCHBOARD_VAR_DIR": str(tmp_path),
        "SWITCHBOARD_DEMO": "1",
        "DEBUG": "0",
    }
    for name in (
        "DATABASE_URL",
        "REDIS_URL",
        "META_APP_SECRET",
        "META_VERIFY_TOKEN",
        "X_CONSUMER_SECRET",
        "SECRET_KEY",
    ):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )
    own = json.loads((tmp_path / "local-secrets.json").read_text())
    with web_process(env, timeout=30) as base:
        comment = (
            settings.BASE_DIR / "channels_fb" / "fixtures" / "fb_feed_comment_add.json"
        ).read_bytes()
        tweet = json.dumps({"for_user_id": "1", "tweet_create_events": []}).encode()

        def meta(secret):
            return {"X-Hub-Signature-256": sign_body(comment, secret)}

        def x(secret):
            return {"x-twitter-webhooks-signature": signature(secret, tweet)}

        assert (
            post(f"{base}/webhooks/facebook/", comment, meta("switchboard-test-app-secret")) == 403
        )
        assert post(f"{base}/webhooks/x/", tweet, x("switchboard-test-consumer-secret")) == 403
        challenge = "/webhooks/facebook/?hub.mode=subscribe&hub.challenge=42&hub.verify_token="
        assert fetch(f"{base}{challenge}switchboard-verify-token")[0] == 403

        assert post(f"{base}/webhooks/facebook/", comment, meta(own["META_APP_SECRET"])) == 200
        assert post(f"{base}/webhooks/x/", tweet, x(own["X_CONSUMER_SECRET"])) == 200
        assert fetch(f"{base}{challenge}{own['META_VERIFY_TOKEN']}") == (200, "42")
