"""A stored rule the engine skips is shown as such on the rules page, with a way to fix it.

Rules saved before rule patterns ran on RE2 (or imported around the editor's checks) may
hold a look-around or a back-reference. The engine skips them and only logs it
(`RuleSet.errors`); the manager sees the reason on the rule's row and a link to edit it.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rules.engine import current_ruleset
from rules.models import Rule

pytestmark = pytest.mark.django_db


def stored_rule(name: str, pattern: str) -> Rule:
    # Rule.objects.create saves without the checks the editor and the API run.
    return Rule.objects.create(
        name=name,
        conditions={"all": [{"type": "text_regex", "value": pattern}]},
        actions=[{"type": "close"}],
    )


def row(html: str, rule: Rule) -> str:
    start = html.index(f'id="rule-{rule.pk}"')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def test_a_rule_whose_pattern_re2_refuses_says_why_on_its_row_and_links_to_its_editor(
    manager_client,
):
    refused = stored_rule("Real refunds", r"(?<!no )refund")
    echo = stored_rule("Doubled words", r"(\w+) \1")
    fine = stored_rule("Orders", r"order\s*#?\d{5}")
    # The engine skips the two, as the page is about to say.
    assert set(current_ruleset().errors) == {"Real refunds", "Doubled words"}

    html = manager_client.get(reverse("rules:list")).content.decode()

    edit = reverse("rules:edit", args=[refused.pk])
    assert (
        "This rule's pattern cannot run: look-behind (?&lt;!…) is not supported "
        "(rule patterns use RE2 syntax, which always finishes in time); "
        f'<a href="{edit}">edit it</a>.'
    ) in row(html, refused)
    assert "back-references (\\1) are not supported" in row(html, echo)
    assert 'role="alert"' in row(html, echo)
    assert "cannot run" not in row(html, fine)


def test_other_reasons_a_rule_cannot_run_are_shown_too(manager_client):
    rule = Rule.objects.create(name="Gone", conditions={}, actions=[{"type": "no_such_action"}])
    html = manager_client.get(reverse("rules:list")).content.decode()
    assert "This rule cannot run: " in row(html, rule)
    assert "pattern" not in row(html, rule).split("cannot run")[0]


def test_the_warning_stays_on_a_row_switched_off_and_on_through_htmx(manager_client):
    rule = stored_rule("Real refunds", r"(?=refund)")
    answer = manager_client.post(
        reverse("rules:toggle", args=[rule.pk]), headers={"HX-Request": "true"}
    )
    assert "This rule's pattern cannot run: look-ahead (?=…) is not supported" in (
        answer.content.decode()
    )


def test_checking_each_rule_adds_no_query(manager_client):
    stored_rule("One", r"(?<!no )refund")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(reverse("rules:list")).status_code == 200
        return len(captured)

    few = queries()
    for n in range(5):
        stored_rule(f"More {n}", r"refund|money back" if n % 2 else r"(\w+) \1")
    assert queries() == few


def test_saving_it_unchanged_is_refused_with_the_reason_not_a_server_error(manager_client):
    rule = stored_rule("Real refunds", r"(?<!no )refund")
    answer = manager_client.post(
        reverse("rules:edit", args=[rule.pk]),
        {
            "name": "Real refunds",
            "enabled": "on",
            "trigger": "new_message",
            "minutes": "0",
            "match": "all",
            "advanced": "",
            "c-0-type": "text_regex",
            "c-0-value": r"(?<!no )refund",
            "a-0-type": "close",
            "a-0-value": "",
        },
    )
    assert answer.status_code == 200
    assert "look-behind (?&lt;!…) is not supported" in answer.content.decode()
    assert Rule.objects.get(pk=rule.pk).conditions == rule.conditions
