"""A conversation's header, thread, composer and customer panel (inbox/inbox.html "pane"),
and the page Delete asks on without JavaScript."""

from ._tests import C_CONVERSATION, INBOX, INTENT, JOURNEYS, PROFILE

PAGES = {"inbox:conversation", "inbox:customer_merge", "inbox:message_action"}

_customer = PROFILE + "test_edit_merge_find_by_email_and_unmerge_a_customer"
_triage = C_CONVERSATION + "test_assign_tag_untag_and_note_from_the_header"
_merge_page = C_CONVERSATION + "test_the_merge_page_finds_and_previews_and_cancel_merges_nothing"
_spam = C_CONVERSATION + "test_spam_moves_it_to_the_spam_folder_and_not_spam_out_of_it"
_snooze = C_CONVERSATION + "test_snooze_and_snooze_until_put_it_in_snoozed_until_then"
_moderate = C_CONVERSATION + "test_like_unlike_hide_unhide_and_delete_reach_the_facebook_standin"
_delete_asks = (
    C_CONVERSATION + "test_without_javascript_delete_asks_on_a_page_and_only_its_button_deletes"
)

CONTROLS: dict[str, list[str]] = {
    "inbox:conversation | button | Assign": [_triage],
    "inbox:conversation | button | Tag": [_triage],
    "inbox:conversation | button | untag": [_triage],
    "inbox:conversation | button | Add note": [_triage],
    "inbox:conversation | button | Snooze": [_snooze],
    "inbox:conversation | button | Snooze until": [_snooze],
    "inbox:conversation | button | Spam": [_spam],
    "inbox:conversation | button | Not spam": [_spam],
    "inbox:conversation | button | Reopen": [
        C_CONVERSATION + "test_reopen_puts_a_closed_conversation_back_in_open"
    ],
    "inbox:conversation | button | Retry": [
        C_CONVERSATION + "test_retry_under_a_refused_reply_sends_it_once"
    ],
    "inbox:conversation | button | Send anyway": [
        INBOX + "test_presence_and_answered_meanwhile_warning"
    ],
    "inbox:conversation | button | Send publicly anyway": [
        INBOX + "test_pii_warning_before_a_public_reply"
    ],
    "inbox:conversation | button | Send privately instead": [
        JOURNEYS + "test_send_privately_instead_sends_once_privately"
    ],
    "inbox:conversation | link | Reconnect on the Channels page": [
        C_CONVERSATION + "test_an_admin_follows_the_disconnected_banner_to_reconnect"
    ],
    "inbox:conversation | button | Close": [
        JOURNEYS + "test_load_more_after_the_list_changed_skips_nobody"
    ],
    "inbox:conversation | button | Send": [INBOX + "test_presence_and_answered_meanwhile_warning"],
    "inbox:conversation | button | Send & close": [
        C_CONVERSATION + "test_send_and_close_sends_the_reply_and_closes"
    ],
    "inbox:conversation | button | Correct intent": [
        INTENT + "test_unsure_badge_and_a_managers_correction"
    ],
    "inbox:conversation | button | Save": [_customer],
    "inbox:conversation | button | Add to customer": [_customer],
    "inbox:conversation | link | Merge with another customer…": [_customer],
    "inbox:conversation | button | Unmerge": [_customer],
    "inbox:customer_merge | button | Find": [_merge_page],
    "inbox:customer_merge | link | merge candidate": [_customer, _merge_page],
    "inbox:customer_merge | button | Merge (confirm)": [_customer],
    "inbox:customer_merge | link | Cancel": [_merge_page],
    "inbox:customer_merge | link | ← Back to the conversation": [_merge_page],
    "inbox:conversation | button | Like": [_moderate],
    "inbox:conversation | button | Hide": [_moderate],
    "inbox:conversation | button | Unlike": [_moderate],
    "inbox:conversation | button | Unhide": [_moderate],
    "inbox:conversation | button | Delete": [_moderate, _delete_asks],
    "inbox:message_action | button | Delete (confirm)": [_delete_asks],
    "inbox:message_action | link | Cancel": [_delete_asks],
    "inbox:conversation | link | message permalink": [
        C_CONVERSATION + "test_the_permalinks_open_the_comment_and_the_post"
    ],
    "inbox:conversation | link | context link Open on the platform": [
        C_CONVERSATION + "test_the_permalinks_open_the_comment_and_the_post"
    ],
}
