"""The pages work under their Content-Security-Policy: the browser reports no violation
(nothing inline is blocked, nothing loads from elsewhere) while the inbox is used."""

from datetime import timedelta

from django.utils import timezone

from tests.support import factories


def test_the_inbox_runs_without_a_single_policy_violation(
    browser_page, live_server, agent, testchat_channel
):
    convo = factories.make_conversation(
        testchat_channel,
        text="Does it come in XS?",
        customer="Emily Carter",
        at=timezone.now() - timedelta(minutes=3),
    )
    factories.make_conversation(
        testchat_channel,
        text="Order arrived broken",
        customer="Kadri Tamm",
        at=timezone.now() - timedelta(minutes=9),
    )
    page = browser_page(agent)
    page.add_init_script("""
        window.__violations = [];
        document.addEventListener('securitypolicyviolation', e => window.__violations.push(
            e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile));
    """)
    violations = []  # each page's, collected before the next navigation
    console = []  # chromium also logs each refusal
    page.on("console", lambda m: console.append(m.text) if "Content Security" in m.text else None)

    response = page.goto(f"{live_server.url}/c/{convo.pk}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector("#composer-text")
    page.locator("#rows .row").nth(1).click()  # an htmx swap
    page.keyboard.press("?")  # the shortcut help, from shortcuts.js
    page.wait_for_timeout(500)
    violations += page.evaluate("window.__violations")
    for path in ["/reports/", "/settings/", "/login/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        violations += page.evaluate("window.__violations")

    assert violations == []
    assert console == []
