"""The settings section: its menu, the managers' pages, the admins' pages, Channels."""

from ._tests import C_SETTINGS, INTEGRATIONS, KEPT, OAUTH, SETTINGS

PAGES = {
    "settings-nav",
    "accounts:settings",
    "accounts:people",
    "accounts:person_edit",
    "accounts:person_deactivate",
    "api:tokens",
    "api:revoke",
    "accounts:roles",
    "audit:log",
    "accounts:tags",
    "accounts:tags_edit",
    "accounts:tags_delete",
    "accounts:teams",
    "accounts:teams_edit",
    "accounts:teams_delete",
    "accounts:saved_replies",
    "accounts:saved_replies_edit",
    "accounts:saved_replies_delete",
    "rules:list",
    "rules:new",
    "rules:edit",
    "rules:delete",
    "rules:sla_policies",
    "rules:sla_policy_new",
    "rules:sla_policy_edit",
    "rules:sla_policy_delete",
    "rules:business_hours",
    "rules:business_hours_new",
    "rules:business_hours_edit",
    "rules:business_hours_delete",
    "kb:articles",
    "kb:article_new",
    "kb:article_edit",
    "kb:article_delete",
    "slack:settings",
    "channels_tw:searches",
    "channels_tw:searches_of",
    "webhooks_out:list",
    "webhooks_out:detail",
    "webhooks_out:delete",
    "inbox:channels",
    "channels_fb:pick",
    "inbox:kept_events",
}

_menu = C_SETTINGS + "test_each_settings_menu_link_opens_its_page"
_hours_sla = SETTINGS + "test_manager_sets_business_hours_and_an_sla_and_the_badge_changes"
_invite = SETTINGS + "test_admin_invites_an_agent_who_sets_a_password"
_refused = SETTINGS + "test_a_rule_naming_a_deactivated_agent_is_refused_on_save"
_article = INTEGRATIONS + "test_a_manager_writes_a_draft_publishes_it_and_reads_it_at_its_address"
_rules = C_SETTINGS + "test_rules_are_switched_reordered_and_deleted_from_the_list"
_editor = C_SETTINGS + "test_the_rule_editor_adds_and_removes_rows_previews_and_tests"
_back = C_SETTINGS + "test_each_back_link_returns_to_its_list"
_audit_pages = C_SETTINGS + "test_the_audit_log_pages_to_older_entries_and_back"
_audit_filter = C_SETTINGS + "test_without_javascript_filter_narrows_the_audit_log"
_x_accounts = C_SETTINGS + "test_the_x_searches_page_switches_between_the_brands_x_accounts"
_fb_pick = C_SETTINGS + "test_an_admin_connects_the_facebook_page_they_choose"
_kept = KEPT + "test_an_admin_reads_a_failed_event_and_processes_it_again"
_kept_pages = KEPT + "test_staff_pages_back_through_many_kept_events_and_reach_the_django_admin"
_edit_sla_hours = C_SETTINGS + "test_an_sla_policy_and_business_hours_are_edited_from_their_lists"
_deactivate = (
    C_SETTINGS + "test_an_admin_deactivates_a_person_after_confirming_and_reactivates_them"
)
_tokens = INTEGRATIONS + "test_an_agent_creates_an_api_token_sees_it_once_uses_it_and_revokes_it"
_webhook = (
    INTEGRATIONS + "test_a_manager_adds_a_webhook_sees_a_delivery_redelivers_it_and_toggles_it"
)


def _deletable(kind: str, listed: str, confirm: str, *also: str) -> dict[str, list[str]]:
    """A list's Delete link, and its confirmation page's Delete and Cancel."""
    test = [C_SETTINGS + f"test_delete_on_a_settings_list_asks_and_cancel_keeps_it[{kind}]"]
    return {
        f"{listed} | link | Delete": test + list(also),
        f"{confirm} | button | Delete (confirm)": test + list(also),
        f"{confirm} | link | Cancel": test,
    }


def _managed(kind: str) -> dict[str, list[str]]:
    test = [
        C_SETTINGS + f"test_a_managed_item_is_added_edited_and_deleted_after_confirming[{kind}]"
    ]
    cancel = [C_SETTINGS + f"test_cancel_on_the_delete_confirmation_keeps_the_item[{kind}]"]
    return {
        f"accounts:{kind} | button | Add": test,
        f"accounts:{kind} | link | edit row": test,
        f"accounts:{kind} | link | Delete": test + cancel,
        f"accounts:{kind}_edit | button | Save": test,
        f"accounts:{kind}_edit | link | Back": [_back],
        f"accounts:{kind}_delete | button | Delete (confirm)": test,
        f"accounts:{kind}_delete | link | Cancel": cancel,
    }


CONTROLS: dict[str, list[str]] = {
    # The menu
    "settings-nav | link | Rules": [_menu],
    "settings-nav | link | SLA policies": [_menu, _hours_sla],
    "settings-nav | link | Business hours": [_menu, _hours_sla],
    "settings-nav | link | Saved replies": [_menu],
    "settings-nav | link | Help articles": [_menu, _article],
    "settings-nav | link | Tags": [_menu],
    "settings-nav | link | Teams": [_menu],
    "settings-nav | link | Slack": [
        _menu,
        INTEGRATIONS
        + "test_a_manager_connects_slack_by_webhook_then_by_bot_and_sends_test_messages",
    ],
    "settings-nav | link | X searches": [
        _menu,
        SETTINGS + "test_x_searches_show_the_query_while_typing",
    ],
    "settings-nav | link | People": [_menu, _invite],
    "settings-nav | link | Roles": [_menu],
    "settings-nav | link | Audit log": [_menu],
    "settings-nav | link | Your settings": [_menu],
    # Your settings, people and roles
    "accounts:settings | button | Save": [C_SETTINGS + "test_your_settings_save_the_signature"],
    "accounts:settings | link | API tokens": [
        INTEGRATIONS + "test_an_agent_creates_an_api_token_sees_it_once_uses_it_and_revokes_it"
    ],
    "accounts:people | button | Send the invitation": [_invite],
    "accounts:people | link | Deactivate": [_deactivate, _refused],
    "accounts:people | button | Reactivate": [_deactivate],
    "accounts:people | button | Send again": [
        C_SETTINGS + "test_send_again_mails_a_new_invitation_link"
    ],
    "accounts:person_deactivate | button | Deactivate (confirm)": [_deactivate, _refused],
    "accounts:person_deactivate | link | Cancel": [_deactivate],
    "api:tokens | button | Create token": [_tokens],
    "api:tokens | link | Revoke": [_tokens],
    "api:revoke | button | Revoke (confirm)": [_tokens],
    "api:revoke | link | Cancel": [_tokens],
    "api:tokens | link | REST API": [_tokens],
    "accounts:people | link | edit row": [C_SETTINGS + "test_an_admin_edits_a_person"],
    "accounts:person_edit | button | Save": [C_SETTINGS + "test_an_admin_edits_a_person"],
    "accounts:person_edit | link | ← People": [_back],
    "audit:log | link | Older": [_audit_pages],
    "audit:log | link | Newer": [_audit_pages],
    "audit:log | button | Filter": [_audit_filter],
    "accounts:roles | button | Save": [
        C_SETTINGS + "test_roles_save_who_may_delete_on_the_platform"
    ],
    # Tags, teams, saved replies
    **_managed("tags"),
    **_managed("teams"),
    **_managed("saved_replies"),
    # Rules
    "rules:list | link | New rule": [_editor],
    "rules:list | link | edit row": [_editor],
    "rules:list | link | SLA policies": [_back],
    "rules:list | link | Business hours": [_back],
    "rules:list | button | On/Off": [_rules],
    "rules:list | button | Move up": [_rules],
    "rules:list | button | Move down": [_rules],
    **_deletable("rule", "rules:list", "rules:delete", _rules),
    "rules:new | button | + Group": [_refused],
    "rules:new | button | + Condition": [_refused],
    "rules:new | button | + Action": [_editor],
    "rules:new | button | Remove condition": [_editor],
    "rules:new | button | Remove action": [_editor],
    "rules:new | button | Preview on the last 500 items": [_editor],
    "rules:new | button | Test": [_editor],
    "rules:new | button | Save": [_refused, _editor],
    "rules:new | link | ← All rules": [_back],
    "rules:edit | button | + Group": [_editor],
    "rules:edit | button | + Condition": [_editor],
    "rules:edit | button | + Action": [_editor],
    "rules:edit | button | Remove condition": [_editor],
    "rules:edit | button | Remove action": [_editor],
    "rules:edit | button | Remove group": [_editor],
    "rules:edit | button | Preview on the last 500 items": [_editor],
    "rules:edit | button | Test": [_editor],
    "rules:edit | button | Save": [_editor],
    "rules:edit | link | ← All rules": [_back],
    # SLA policies and business hours
    "rules:sla_policies | link | New SLA policy": [_hours_sla],
    "rules:sla_policies | link | edit row": [_edit_sla_hours],
    **_deletable("sla_policy", "rules:sla_policies", "rules:sla_policy_delete"),
    "rules:sla_policy_new | button | Save": [_hours_sla],
    "rules:sla_policy_new | link | ← SLA policies": [_back],
    "rules:sla_policy_edit | button | Save": [_hours_sla],
    "rules:sla_policy_edit | link | ← SLA policies": [_back],
    "rules:business_hours | link | New business hours": [_hours_sla],
    "rules:business_hours | link | edit row": [_edit_sla_hours],
    **_deletable("business_hours", "rules:business_hours", "rules:business_hours_delete"),
    "rules:business_hours_new | button | Save": [_hours_sla],
    "rules:business_hours_new | link | ← Business hours": [_back],
    "rules:business_hours_edit | button | Save": [_edit_sla_hours],
    "rules:business_hours_edit | link | ← Business hours": [_back],
    # Help articles, Slack, X searches, webhooks
    "kb:articles | link | New article": [_article],
    "kb:articles | link | edit row": [_article],
    "kb:articles | link | article address": [_article],
    **_deletable("article", "kb:articles", "kb:article_delete", _article),
    "kb:article_new | button | Save": [_article],
    "kb:article_new | link | Back": [_back],
    "kb:article_edit | button | Save": [_article],
    "kb:article_edit | link | Preview": [_article],
    "kb:article_edit | link | Back": [_article],
    "slack:settings | link | posted conversation": [
        INTEGRATIONS
        + "test_a_manager_connects_slack_by_webhook_then_by_bot_and_sends_test_messages"
    ],
    "slack:settings | button | Send a test message": [
        INTEGRATIONS
        + "test_a_manager_connects_slack_by_webhook_then_by_bot_and_sends_test_messages"
    ],
    "slack:settings | button | Save": [
        INTEGRATIONS
        + "test_a_manager_connects_slack_by_webhook_then_by_bot_and_sends_test_messages"
    ],
    "channels_tw:searches | button | Save searches": [
        SETTINGS + "test_x_searches_show_the_query_while_typing"
    ],
    "channels_tw:searches | link | X account": [_x_accounts],
    "channels_tw:searches_of | link | X account": [_x_accounts],
    "channels_tw:searches_of | button | Save searches": [_x_accounts],
    "webhooks_out:list | button | Add": [_webhook],
    "webhooks_out:list | link | edit row": [_webhook],
    "webhooks_out:detail | button | Redeliver": [_webhook],
    "webhooks_out:detail | button | Disable": [_webhook],
    "webhooks_out:detail | button | Enable": [_webhook],
    "webhooks_out:detail | link | Delete": [_webhook],
    "webhooks_out:delete | button | Delete (confirm)": [_webhook],
    "webhooks_out:delete | link | Cancel": [_webhook],
    # Channels and their kept events
    "inbox:channels | link | Connect Facebook Page": [
        OAUTH
        + "test_the_channels_page_shows_each_channels_extras_and_every_button_leads_somewhere",
        _fb_pick,
    ],
    "channels_fb:pick | button | Connect": [_fb_pick],
    "inbox:channels | link | Connect X": [
        OAUTH + "test_the_channels_page_shows_each_channels_extras_and_every_button_leads_somewhere"
    ],
    "inbox:channels | link | Reconnect": [
        OAUTH
        + "test_admin_reconnects_an_expired_page_on_the_standin_login_and_held_replies_go_out",
        OAUTH
        + "test_the_channels_page_shows_each_channels_extras_and_every_button_leads_somewhere",
    ],
    "inbox:channels | link | Edit searches": [
        OAUTH + "test_the_channels_page_shows_each_channels_extras_and_every_button_leads_somewhere"
    ],
    "inbox:channels | link | kept failed": [_kept],
    "inbox:channels | link | kept poisoned": [_kept_pages],
    "inbox:kept_events | button | Process again": [_kept],
    "inbox:kept_events | link | Older": [_kept_pages],
    "inbox:kept_events | link | all": [
        KEPT + "test_an_admin_reads_a_failed_event_and_processes_it_again"
    ],
    "inbox:kept_events | link | failed": [
        KEPT + "test_an_admin_reads_a_failed_event_and_processes_it_again"
    ],
    "inbox:kept_events | link | poisoned": [
        KEPT + "test_an_admin_reads_a_failed_event_and_processes_it_again"
    ],
    "inbox:kept_events | link | ← Channels": [
        KEPT + "test_an_admin_reads_a_failed_event_and_processes_it_again"
    ],
}
