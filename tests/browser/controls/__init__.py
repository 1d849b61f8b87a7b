"""Which test clicks each control the crawler finds (tests/support/controls.py).

One module per area; each has PAGES (the page names it answers for) and CONTROLS
(control key → the node ids of the tests that click or follow it).
"""

from . import conversation, inbox, reports, settings, topbar

AREAS = [topbar, inbox, conversation, settings, reports]
