"""Customer text, names and URLs from a corpus of XSS payloads render inert everywhere.

Every customer-controlled field (message text, edit history, attachments, names, handles,
profile URLs, permalinks, the post context, previews, tags, contact fields) is filled with
the payloads, the inbox, conversation, post and live pages are rendered, and the HTML is
parsed: no script we did not write, no event-handler attribute, no javascript:/data: URL.
"""

import json
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from inbox import live
from inbox.models import Contact, Identity, Message, Note, Tag
from tests.support import factories

pytestmark = pytest.mark.django_db

# A corpus in the spirit of the OWASP XSS filter evasion cheat sheet
# (https://cheatsheetseries.owasp.org/cheatsheets/XSS_Filter_Evasion_Cheat_Sheet.html).
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><script>alert(2)</script>',
    "'><img src=x onerror=alert(3)>",
    "<svg/onload=alert(4)>",
    "<iframe src=javascript:alert(5)>",
    "javascript:alert(6)",
    " JaVaScRiPt:alert(7)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==",
    '<a href="javascript:alert(9)">click</a>',
    "<body onload=alert(10)>",
    "{{ 7*7 }}{% debug %}",
    "</textarea><script>alert(11)</script>",
    "</script><script>alert(12)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(13)>",
    '" onmouseover="alert(14)',
    "<details open ontoggle=alert(15)>",
    "&lt;script&gt;alert(16)&lt;/script&gt;",
    "%3Cscript%3Ealert(17)%3C/script%3E",
    "<scr<script>ipt>alert(18)</script>",
    "`-alert(19)-`",
]
OUR_SCRIPT_SOURCES = ("/static/",)


class Inspector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action", "formaction", "xlink:href") and value.replace(
                " ", ""
            ).startswith(("javascript:", "data:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag in ("iframe", "svg", "math", "img", "object", "embed", "mglyph", "style"):
            self.problems.append(f"unexpected <{tag}>")
        if tag == "script":
            src = dict(attrs).get("src") or ""
            kind = dict(attrs).get("type") or ""
            if not (src.startswith(OUR_SCRIPT_SOURCES) or kind == "application/json"):
                self._in_script = ""
            else:
                self._in_script = None

    def handle_data(self, data):
        if self._in_script is not None:
            self._in_script += data

    def handle_endtag(self, tag):
        if tag == "script" and self._in_script is not None:
            if "alert(" in self._in_script:
                self.problems.append(f"inline script: {self._in_script[:80]}")
            self._in_script = None


def inspect(html: str) -> list[str]:
    parser = Inspector()
    parser.feed(html)
    return parser.problems


def hostile_conversation(payload: str, channel):
    convo = factories.make_conversation(
        channel,
        text=payload,
        customer=payload,
        context_external_id=payload[:100],
        language=payload[:8],
        intent=payload[:16],
        context={"text": payload, "permalink": payload},
    )
    contact = convo.contact
    Contact.objects.filter(pk=contact.pk).update(
        email=payload[:254],
        order_number=payload[:100],
        phone=payload[:50],
        fields={payload: payload},
    )
    Identity.objects.create(
        contact=contact,
        platform="testchat",
        external_id=payload[:100] + "x",
        name=payload,
        handle=payload,
        profile_url=payload,
        avatar_url=payload,
    )
    Message.objects.filter(conversation=convo).update(
        permalink=payload,
        attachments=[{"type": payload, "url": payload}],
        edited=True,
        edit_history=[{"text": payload}],
    )
    Note.objects.create(conversation=convo, text=payload)
    Note.objects.create(contact=contact, text=payload)
    tag, _ = Tag.objects.get_or_create(name=payload[:64], defaults={"color": payload[:7]})
    convo.tags.add(tag)
    return convo


def test_every_page_renders_the_corpus_inert(agent_client):
    channel = factories.make_channel(name="<b onmouseover=alert(20)>Page</b>")
    conversations = [hostile_conversation(p, channel) for p in PAYLOADS]
    pages = {
        "inbox": agent_client.get(reverse("inbox:inbox")).content.decode(),
        "all": agent_client.get(
            reverse("inbox:inbox") + "?folder=all&sort=priority"
        ).content.decode(),
        "posts": agent_client.get(reverse("inbox:posts")).content.decode(),
        "search": agent_client.get(reverse("inbox:inbox") + "?q=script").content.decode(),
    }
    for convo in conversations:
        pages[f"conversation {convo.pk}"] = agent_client.get(
            reverse("inbox:conversation", args=[convo.pk])
        ).content.decode()
    post_key = f"{channel.pk}:{conversations[0].context_external_id}"
    pages["post"] = agent_client.get(reverse("inbox:inbox"), {"post": post_key}).content.decode()
    for name, html in pages.items():
        assert inspect(html) == [], name
    # The payloads are there, as text: escaped, not dropped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["inbox"]
    assert "&lt;svg/onload=alert(4)&gt;" in pages[f"conversation {conversations[3].pk}"]


def test_the_live_feed_fragments_are_inert(agent_client):
    channel = factories.make_channel()
    since = live.current_version()
    conversations = [hostile_conversation(p, channel) for p in PAYLOADS[:6]]
    for convo in conversations:
        live.publish(convo.pk)
    response = agent_client.get(reverse("inbox:live"), {"v": since, "open": conversations[0].pk})
    body = json.loads(response.content)
    fragments = [row["html"] for row in body["rows"]] + [
        body["thread"],
        body["side"],
        body["header"],
        body["folders"],
    ]
    assert len(body["rows"]) == 6
    for html in fragments:
        assert inspect(html) == []


def test_inspector_catches_what_it_should():
    """The checker itself: a raw payload is caught, so a pass above means something."""
    assert inspect("<img src=x onerror=alert(1)>")
    assert inspect('<a href="javascript:alert(1)">x</a>')
    assert inspect("<script>alert(1)</script>")
    assert inspect('<script src="/static/inbox/live.js"></script>') == []
