"""Help articles reach customers, so their Markdown is rendered with nothing executable left."""

from kb.render import render_markdown


def test_markdown_renders_headings_lists_and_links():
    html = render_markdown("## Returns\n\n- within **30 days**\n\n[Form](https://shop.example/r)")
    assert "<h2>Returns</h2>" in html
    assert "<li>within <strong>30 days</strong></li>" in html
    assert '<a href="https://shop.example/r" rel="noopener noreferrer nofollow">Form</a>' in html


def test_script_tags_are_removed_with_their_content():
    html = render_markdown("Hello <script>alert('x')</script> there")
    assert "<script" not in html and "alert" not in html
    assert "Hello" in html and "there" in html


def test_javascript_links_lose_their_address():
    html = render_markdown('[click](javascript:alert(1)) and <a href="JavaScript:alert(2)">me</a>')
    assert "javascript" not in html.lower()
    assert "click" in html and "me" in html


def test_event_handlers_and_style_attributes_are_dropped():
    html = render_markdown('<img src="https://x.example/a.png" onerror="alert(1)" style="x">')
    assert "onerror" not in html and "style" not in html
    assert 'src="https://x.example/a.png"' in html
