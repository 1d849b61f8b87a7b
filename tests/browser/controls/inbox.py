"""The folders, the list beside them (also shown next to a conversation), and the outbox."""

from ._tests import C_INBOX, FOLDER_NAV, INBOX, JOURNEYS, OUTBOX

PAGES = {"inbox-list", "inbox:inbox", "inbox:posts", "inbox:outbox"}

_search = JOURNEYS + "test_search_finds_last_weeks_closed_conversation"
_folders = C_INBOX + "test_mine_unassigned_snoozed_and_spam_folders_list_what_they_name"
_filters = C_INBOX + "test_channel_and_team_folders_and_clear_filters"
_sorts = C_INBOX + "test_each_sort_link_orders_the_list"
_kinds = C_INBOX + "test_each_kind_link_narrows_the_list_and_again_widens_it"
_bulk = C_INBOX + "test_bulk_tag_priority_snooze_and_spam_change_the_selected_rows"
_states = C_INBOX + "test_outbox_state_filters_and_the_conversation_link"

CONTROLS: dict[str, list[str]] = {
    "inbox-list | link | conversation row": [
        INBOX + "test_xss_corpus_fires_no_dialog",
        JOURNEYS + "test_a_comment_thread_follows_its_latest_commenter",
    ],
    "inbox-list | link | folder open": [_search],
    "inbox-list | link | folder closed": [
        _search,
        FOLDER_NAV + "test_a_folder_clicked_is_the_one_highlighted_through_back_and_forward",
    ],
    "inbox-list | link | folder pending": [_search],
    "inbox-list | link | folder all": [_search],
    "inbox-list | link | folder mine": [_folders],
    "inbox-list | link | folder unassigned": [_folders],
    "inbox-list | link | folder snoozed": [_folders],
    "inbox-list | link | folder spam": [_folders],
    "inbox-list | link | Tags folder": [
        FOLDER_NAV + "test_a_tag_folder_is_highlighted_and_the_folders_keep_the_chosen_sort",
        C_INBOX + "test_with_a_tag_folder_open_only_the_tag_is_current",
    ],
    "inbox-list | link | Channels folder": [_filters],
    "inbox-list | link | Teams folder": [_filters],
    "inbox-list | link | Clear filters": [_filters],
    "inbox-list | link | Outbox": [C_INBOX + "test_the_folders_outbox_and_posts_links"],
    "inbox-list | link | Posts": [C_INBOX + "test_the_folders_outbox_and_posts_links"],
    "inbox-list | link | Newest": [_sorts],
    "inbox-list | link | Oldest": [
        _sorts,
        FOLDER_NAV + "test_a_tag_folder_is_highlighted_and_the_folders_keep_the_chosen_sort",
    ],
    "inbox-list | link | Priority": [_sorts],
    "inbox-list | link | SLA due": [_sorts],
    "inbox-list | link | Comment": [_kinds],
    "inbox-list | link | Direct message": [_kinds],
    "inbox-list | link | Mention": [_kinds],
    "inbox-list | link | Search match": [_kinds],
    "inbox-list | link | Visitor post": [_kinds],
    "inbox-list | link | Load more": [
        JOURNEYS + "test_load_more_pages_past_a_hundred_rows",
        JOURNEYS + "test_load_more_in_search_results_and_in_a_folder",
    ],
    "inbox-list | link | post group": [INBOX + "test_bulk_close_a_posts_comments"],
    "inbox-list | link | View post": [C_INBOX + "test_view_post_opens_the_post_on_the_platform"],
    "inbox-list | button | Close all": [INBOX + "test_bulk_close_a_posts_comments"],
    "inbox-list | button | Assign": [INBOX + "test_select_rows_with_x_and_bulk_assign"],
    "inbox-list | button | Tag": [_bulk],
    "inbox-list | button | Set priority": [_bulk],
    "inbox-list | button | Snooze": [_bulk],
    "inbox-list | button | Spam": [_bulk],
    "inbox:outbox | link | All": [_states],
    "inbox:outbox | link | state failed": [_states],
    "inbox:outbox | link | state held": [_states],
    "inbox:outbox | link | state queued": [_states],
    "inbox:outbox | link | state sending": [_states],
    "inbox:outbox | link | outbox conversation": [_states],
    "inbox:outbox | button | Retry": [
        OUTBOX + "test_outbox_retry_sends_a_refused_reply_once_when_it_can_work"
    ],
}
