"""The inbox's "Storming" folder (issue 15): the open conversations under a post with an open
storm, with a count, listed only while there is one; the page's queries stay fixed."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from reports.storms import detect
from tests.integration.test_inbox_queries import INBOX_QUERIES, LOCMEM, count_queries
from tests.support import factories

pytestmark = pytest.mark.django_db


def burst(channel, post: str, count: int = 25):
    now = timezone.now()
    return [
        factories.make_conversation(
            channel,
            text=f"Complaint {n}",
            customer=f"Angry {n}",
            at=now - timedelta(seconds=10 * n + 5),
            context_external_id=post,
            intent="complaint",
        )
        for n in range(count)
    ]


@override_settings(CACHES=LOCMEM)
def test_storming_folder_lists_the_storming_posts_conversations(agent_client):
    page = factories.make_channel("facebook", name="Polaris")
    storm = burst(page, "post-sale")
    calm = factories.make_conversation(
        page, text="Where is my parcel?", context_external_id="post-calm"
    )
    html = agent_client.get(reverse("inbox:inbox")).content.decode()
    assert 'data-folder="storming"' not in html  # no storm, no folder

    assert len(detect()) == 1
    cache.clear()
    html = agent_client.get(reverse("inbox:inbox")).content.decode()
    assert 'data-count="storming">25<' in html
    listed = agent_client.get(reverse("inbox:inbox") + "?folder=storming").content.decode()
    assert all(f'data-id="{c.pk}"' in listed for c in storm)
    assert f'data-id="{calm.pk}"' not in listed
    assert (
        len(count_queries(agent_client, reverse("inbox:inbox") + "?folder=storming"))
        == INBOX_QUERIES
    )


def test_closed_storm_conversations_leave_the_folder(agent_client):
    page = factories.make_channel("facebook", name="Polaris")
    storm = burst(page, "post-sale")
    detect()
    storm[0].state = "closed"
    storm[0].save()
    listed = agent_client.get(reverse("inbox:inbox") + "?folder=storming").content.decode()
    assert f'data-id="{storm[0].pk}"' not in listed and f'data-id="{storm[1].pk}"' in listed
