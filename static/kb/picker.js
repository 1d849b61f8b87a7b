// The composer's help-article picker: "??word" before the caret searches the published
// articles; Enter, Tab or a click puts the article's link (and its title, where the platform
// has room) in place of "??word". The composer is swapped by htmx, so everything is looked up
// when used and the listeners sit on the document; htmx re-runs this file on each swap,
// hence the guard.
(function () {
  "use strict";
  if (window.SBKnowledgeBase) return;
  window.SBKnowledgeBase = true;

  const DEBOUNCE_MS = 150;
  let matches = [];
  let active = 0;
  let timer = null;
  let asked = 0; // the latest search sent; older answers are dropped

  function picker() { return document.getElementById("kb-picker"); }
  function isComposer(el) { return el && el.id === "composer-text"; }

  function kbQuery(textarea) {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const m = before.match(/\?\?([^\s?]*)$/);
    return m ? { start: before.length - m[0].length, query: m[1] } : null;
  }

  function hide() {
    const el = picker();
    if (el) el.hidden = true;
    matches = [];
  }

  function render(textarea) {
    const el = picker();
    if (!el) return;
    el.textContent = "";
    if (!matches.length) { el.hidden = true; return; }
    matches.forEach((a, i) => {
      const item = document.createElement("div");
      item.className = "pick" + (i === active ? " active" : "");
      item.setAttribute("role", "option");
      const title = document.createElement("b");
      title.textContent = a.title;
      const url = document.createElement("span");
      url.textContent = a.source ? a.source + " · " + a.url : a.url;
      item.append(title, url);
      item.addEventListener("mousedown", (ev) => { ev.preventDefault(); insert(textarea, a); });
      el.appendChild(item);
    });
    el.hidden = false;
  }

  function search(textarea) {
    const el = picker();
    const found = kbQuery(textarea);
    if (!el || !found) { hide(); return; }
    const n = ++asked;
    fetch(el.dataset.searchUrl + "?q=" + encodeURIComponent(found.query),
          { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { results: [] }))
      .then((data) => {
        if (n !== asked || !kbQuery(textarea)) return;
        matches = data.results || [];
        active = 0;
        render(textarea);
      })
      .catch(hide);
  }

  function insert(textarea, article) {
    const found = kbQuery(textarea);
    if (!found) return;
    const linkOnly = picker().hasAttribute("data-link-only");
    const text = linkOnly ? article.url : article.title + ": " + article.url;
    const caret = textarea.selectionStart;
    textarea.value = textarea.value.slice(0, found.start) + text + textarea.value.slice(caret);
    const at = found.start + text.length;
    textarea.setSelectionRange(at, at);
    hide();
    textarea.focus();
    // The draft autosave and the character count listen for input.
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  document.addEventListener("input", (e) => {
    if (!isComposer(e.target)) return;
    clearTimeout(timer);
    if (!kbQuery(e.target)) { asked++; hide(); return; }
    timer = setTimeout(() => search(e.target), DEBOUNCE_MS);
  });

  // Capture, so the picker's keys never reach the composer's or the page's own shortcuts.
  document.addEventListener("keydown", (e) => {
    const el = picker();
    if (!isComposer(e.target) || !el || el.hidden || !matches.length) return;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      active = (active + (e.key === "ArrowDown" ? 1 : -1) + matches.length) % matches.length;
      render(e.target);
    } else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey) {
      insert(e.target, matches[active]);
    } else if (e.key === "Escape") {
      hide();
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }, true);

  document.addEventListener("focusout", (e) => { if (isComposer(e.target)) hide(); });
})();
