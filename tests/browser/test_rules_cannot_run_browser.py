"""A manager finds a stored rule that cannot run, follows its link and fixes it, in Debian
chromium: the rules page names the refused part of its pattern, the editor refuses to save
it unchanged, and once rewritten for RE2 the warning is gone and the engine runs it."""

from __future__ import annotations

import pytest

from rules.engine import current_ruleset
from rules.models import Rule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_sees_why_a_stored_rule_cannot_run_and_fixes_it(
    browser_page, live_server, manager
):
    # Stored before patterns ran on RE2, so never checked by the editor.
    rule = Rule.objects.create(
        name="Real refunds",
        conditions={"all": [{"type": "text_regex", "value": "(?<!no )refund"}]},
        actions=[{"type": "close"}],
    )
    fine = Rule.objects.create(
        name="Orders", conditions={"all": [{"type": "text_regex", "value": "order"}]}
    )
    page = browser_page(manager)
    page.goto(live_server.url + "/rules/")
    warning = page.locator(f"#rule-{rule.pk} .rule-problem")
    assert warning.is_visible()
    assert warning.inner_text() == (
        "This rule's pattern cannot run: look-behind (?<!…) is not supported (rule patterns "
        "use RE2 syntax, which always finishes in time); edit it."
    )
    assert page.locator(f"#rule-{fine.pk} .rule-problem").count() == 0

    warning.locator("text=edit it").click()
    page.wait_for_url(f"**/rules/{rule.pk}/")
    assert page.input_value("input[name='c-0-value']") == "(?<!no )refund"
    page.click("button:has-text('Save')")  # unchanged, it is refused with the same reason
    assert "look-behind (?<!…) is not supported" in page.locator("body").inner_text()

    page.fill("input[name='c-0-value']", "refund")
    page.click("button:has-text('Save')")
    page.wait_for_url("**/rules/")
    page.wait_for_selector(f"#rule-{rule.pk}")
    assert page.locator(".rule-problem").count() == 0
    assert Rule.objects.get(pk=rule.pk).conditions == {
        "all": [{"type": "text_regex", "value": "refund"}]
    }
    assert current_ruleset().errors == {}
