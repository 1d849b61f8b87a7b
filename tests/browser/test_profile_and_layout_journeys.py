"""Issue 12 journeys in a real browser (headless Debian chromium, Playwright): working a
customer's profile (edit, merge with a preview, find by e-mail, unmerge) and the inbox at
1024×768 and on a 390×844 phone, measured box by box. Screenshots under test-artifacts/."""

from __future__ import annotations

import pytest

from inbox.models import Contact, Identity
from tests.browser.test_screenshots import build_inbox
from tests.support import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every element the agent can see must lie inside the window horizontally; the page must not
# scroll sideways. Returns what sticks out, as "tag#id.class: left..right".
MEASURE = """() => {
  const width = window.innerWidth;
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if (box.left < -1 || box.right > width + 1) {
      out.push(`${el.tagName.toLowerCase()}#${el.id}.${el.className}: ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, out: out.slice(0, 20)};
}"""


def assert_fits(page, what: str) -> None:
    found = page.evaluate(MEASURE)
    assert found["scrollWidth"] <= found["innerWidth"], (what, found)
    assert found["out"] == [], (what, found["out"])


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def visible(page, selector: str) -> bool:
    return page.locator(selector).is_visible()


# ---- the customer profile -------------------------------------------------------------------


def test_edit_merge_find_by_email_and_unmerge_a_customer(
    browser_page, live_server, agent, artifact
):
    fb = factories.make_channel("facebook", name="Polaris Outdoor")
    x = factories.make_channel("x", name="Polaris on X")
    on_fb = factories.make_conversation(
        fb, text="Where is my parcel? Ordered last week", customer="Maria Tamm"
    )
    on_x = factories.make_conversation(
        x, text="@PolarisOutdoor still no parcel 😠", customer="maria_t"
    )
    Identity.objects.filter(contact=on_x.contact).update(handle="maria_t")
    page = browser_page(agent)
    page.goto(f"{live_server.url}/c/{on_fb.pk}/")

    # Edit: a bad e-mail is refused with the reason; a good one is kept.
    page.click(".edit-customer summary")
    page.fill("#customer-form [name=email]", "maria at example")
    page.fill("#customer-form [name=order_number]", "#A-1042")
    page.evaluate("document.querySelector('#customer-form [name=email]').type = 'text'")
    page.click("#save-customer")
    page.wait_for_selector("#customer-form .error")
    assert "valid email" in page.locator("#customer-form .error").inner_text()
    page.fill("#customer-form [name=email]", "maria.tamm@example.com")
    page.click("#save-customer")
    page.wait_for_selector("#side dd:has-text('maria.tamm@example.com')")
    assert "A-1042" in page.locator("#side").inner_text()

    # A note on the customer, not the conversation.
    page.fill("#customer-note-form textarea", "Same person as maria_t on X")
    page.click("#customer-note-form button")
    page.wait_for_selector(".customer-note:has-text('Same person as maria_t')")

    # Merge: find the other one, see both before anything changes, then merge.
    page.click("#merge-customer")
    page.fill("#merge-q", "@maria_t")
    page.press("#merge-q", "Enter")
    page.click("a.candidate:has-text('maria_t')")
    preview = page.locator("#merge-preview")
    preview.wait_for()
    assert "Maria Tamm" in preview.inner_text() and "@maria_t" in preview.inner_text()
    assert Contact.objects.filter(pk=on_x.contact_id).exists()
    artifact(page, "customer-merge-preview")
    page.click("#confirm-merge")
    page.wait_for_selector(f"#pane[data-conversation='{on_fb.pk}']")

    side = page.locator("#side").inner_text()
    assert "facebook" in side and "x" in side.split()
    assert "Maria Tamm" in side and "maria_t" in side  # both identities
    assert "still no parcel" in side  # the X history, linked
    assert "Where is my parcel" in page.locator("#thread").inner_text()
    assert "merged in the customer maria_t" in page.locator(".timeline").inner_text()
    artifact(page, "customer-merged")

    # The other history opens from the panel and shows the same merged customer.
    page.click(f"#side .past a[href^='/c/{on_x.pk}/']")
    page.wait_for_selector(f"#pane[data-conversation='{on_x.pk}']")
    assert "maria.tamm@example.com" in page.locator("#side").inner_text()

    # Search by e-mail (or order number) finds the customer's conversations, on both channels.
    page.fill("#search", "maria.tamm@example.com")
    page.press("#search", "Enter")
    page.wait_for_selector(f"#row-{on_x.pk}")
    assert page.locator(f"#row-{on_fb.pk}").count() == 1
    artifact(page, "customer-found-by-email")
    page.fill("#search", "A-1042")
    page.press("#search", "Enter")
    page.wait_for_selector(f"#row-{on_fb.pk}")

    # Unmerge the X identity: it leaves with its own conversation.
    page.goto(f"{live_server.url}/c/{on_fb.pk}/")
    page.click("#side .unmerge button[aria-label='Unmerge maria_t']")
    page.wait_for_selector("#side .unmerge", state="detached")
    assert "maria_t" not in page.locator("#side .identities").inner_text()
    assert "still no parcel" not in page.locator("#side").inner_text()
    assert "split off the identity maria_t" in page.locator(".timeline").inner_text()
    assert page.dialogs and page.dialogs[0][0] == "confirm"


# ---- the layout at 1024 px and on a phone -----------------------------------------------------


def test_inbox_and_conversation_fit_1024_by_768(
    browser_page, live_server, manager, agent, artifact
):
    data = build_inbox(manager, agent)
    page = browser_page(manager, width=1024, height=768)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#rows .row")
    assert_fits(page, "inbox at 1024")
    dm = data["dm"]
    page.click(f"#row-{dm.pk} a.open")
    page.wait_for_selector(f"#pane[data-conversation='{dm.pk}']")
    assert_fits(page, "conversation at 1024")
    thread = box(page, "#thread")
    assert thread["width"] >= 450, thread  # was 170 px
    assert box(page, "#composer-text")["width"] >= 400
    assert not visible(page, "#side")  # a drawer, behind "Customer"
    artifact(page, "layout-1024-conversation")

    page.click("#customer-toggle")
    page.wait_for_selector("#side", state="visible")
    side = box(page, "#side")
    assert side["x"] >= 0 and side["x"] + side["width"] <= 1024
    assert "Identities" in page.locator("#side").inner_text()
    assert_fits(page, "customer drawer at 1024")
    artifact(page, "layout-1024-customer-drawer")
    page.click(".side-close")
    page.wait_for_selector("#side", state="hidden")


def test_phone_list_then_conversation_then_back(
    browser_page, live_server, manager, agent, artifact
):
    data = build_inbox(manager, agent)
    page = browser_page(manager, width=390, height=844)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#rows .row")
    assert_fits(page, "inbox on a phone")
    assert box(page, "#list")["width"] >= 380
    assert not visible(page, "#pane")
    artifact(page, "layout-phone-list")

    mention = data["mention"]
    page.click(f"#row-{mention.pk} a.open")
    page.wait_for_selector(f"#pane[data-conversation='{mention.pk}']")
    assert not visible(page, "#list")
    assert box(page, "#thread")["width"] >= 370
    assert "order #48377" in page.locator("#thread").inner_text()
    assert visible(page, "#composer-text")
    assert_fits(page, "conversation on a phone")
    artifact(page, "layout-phone-conversation")

    page.click("#customer-toggle")
    page.wait_for_selector("#side", state="visible")
    assert_fits(page, "customer drawer on a phone")
    page.click(".side-close")

    page.click("#back-to-list")
    page.wait_for_selector("#rows .row")
    assert visible(page, "#list") and not visible(page, "#pane")
    assert page.locator(f"#row-{mention.pk}").is_visible()
    assert_fits(page, "back on the list")
    artifact(page, "layout-phone-back")
