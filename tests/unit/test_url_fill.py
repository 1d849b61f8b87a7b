"""One reverse, many URLs: the filled URL is what reverse() gives for those arguments."""

import pytest
from django.urls import reverse

from inbox.url_fill import url_filler


def test_a_filled_url_is_the_reversed_one():
    act = url_filler("inbox:act", 999999999, "verb")
    message = url_filler("inbox:message_action", 999999999, "kind")
    for pk, verb in [(1, "close"), (42, "spam"), (999, "note")]:
        assert act(pk, verb) == reverse("inbox:act", args=[pk, verb])
    assert message(7, "delete") == reverse("inbox:message_action", args=[7, "delete"])
    assert url_filler("inbox:conversation", 999999999)(12) == reverse(
        "inbox:conversation", args=[12]
    )


def test_a_placeholder_the_url_would_not_show_is_refused():
    # A placeholder the fixed part of the URL also contains would be filled in the wrong place.
    with pytest.raises(AssertionError):
        url_filler("inbox:act", 1, "do")  # "/c/1/do/do/": which "do" is the verb?
