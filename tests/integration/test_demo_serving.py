"""The demo's web process serves the inbox's own assets (CSS, scripts, htmx) without DEBUG.

`make run` starts `runserver` with DEBUG off, so Django itself serves no static files; the
inbox would be an unstyled page with no keyboard or live updates. WhiteNoise serves them.
"""

import os
import re
import subprocess
import sys
import urllib.request

from django.conf import settings

from tests.support.worker import free_port, wait_until


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local server
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except OSError:
        return 0, ""


def test_demo_web_process_serves_every_asset_the_login_page_uses(tmp_path):
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "switchboard.settings",
           "SWITCHBOARD_VAR_DIR": str(tmp_path), "SWITCHBOARD_DEMO": "1", "DEBUG": "0"}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: fetch(f"{base}/login/")[0] == 200, timeout=30,
                   message="the demo web process to answer")
        page = fetch(f"{base}/login/")[1]
        assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
        assert any(a.endswith(".css") for a in assets)
        assert any("htmx" in a for a in assets)
        assert {a: fetch(base + a)[0] for a in assets} == {a: 200 for a in assets}
    finally:
        server.terminate()
        server.wait(timeout=10)
