"""The top bar every signed-in page shows (templates/base.html)."""

from ._tests import C_TOPBAR, FOLDER_NAV, INTEGRATIONS, OUTBOX

PAGES = {"topbar"}

_menu = C_TOPBAR + "test_each_top_bar_link_opens_its_page"

CONTROLS: dict[str, list[str]] = {
    "topbar | link | Switchboard": [_menu],
    "topbar | link | Inbox": [_menu],
    "topbar | link | Posts": [_menu],
    "topbar | link | Outbox": [
        _menu,
        OUTBOX + "test_a_reply_held_by_an_expired_token_keeps_the_conversation_open",
        FOLDER_NAV + "test_back_after_leaving_the_inbox_shows_the_whole_page_of_the_folder",
    ],
    "topbar | link | Saved replies": [_menu],
    "topbar | link | Tags": [_menu],
    "topbar | link | Teams": [_menu],
    "topbar | link | Rules": [_menu],
    "topbar | link | Webhooks": [
        _menu,
        INTEGRATIONS + "test_a_manager_adds_a_webhook_sees_a_delivery_redelivers_it_and_toggles_it",
    ],
    "topbar | link | Reports": [_menu],
    "topbar | link | Channels": [_menu],
    "topbar | link | Settings": [
        _menu,
        INTEGRATIONS + "test_an_agent_creates_an_api_token_sees_it_once_uses_it_and_revokes_it",
    ],
    "topbar | button | Log out": [C_TOPBAR + "test_log_out_ends_the_session"],
    "topbar | button | ?": [C_TOPBAR + "test_the_question_mark_button_shows_the_shortcuts"],
}
