// Live inbox: poll the small "changes since version N" feed about once a second and patch
// only what changed: rows in place (keeping the selection, the ticked boxes and the scroll
// position), folder counts, the open thread and side panel, presence. The composer is never
// replaced by the feed, so a half-written reply is safe. While the feed cannot be read (it
// answers "paused" when Redis is down, or the request fails) a notice says so; once it is
// back the page asks for a full resync, since what changed meanwhile was not announced.
// Plus the composer's helpers: saved-reply picker (## or /), live character count, window
// countdown.
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const POLL_MS = 1000;

  const SB = (window.SB = window.SB || {});
  const ticked = new Set(); // ids of rows ticked for a bulk action

  function fragment(html) {
    const t = document.createElement("template");
    t.innerHTML = html.trim();
    return t.content.firstElementChild;
  }

  function restoreRowState(row) {
    const box = $("input.select", row);
    if (box) box.checked = ticked.has(row.dataset.id);
    const openId = $("#pane") && $("#pane").dataset.conversation;
    row.classList.toggle("current", row.dataset.id === (SB.currentId || openId));
  }

  function upsertRow(id, html) {
    const list = $("#rows");
    if (!list) return;
    const fresh = fragment(html);
    const existing = document.getElementById("row-" + id);
    if (existing) {
      existing.replaceWith(fresh);
    } else {
      // New at the top; keep what the agent was looking at where it was on screen.
      const scroller = $("#list");
      const before = scroller.scrollTop;
      const empty = $(".empty", list);
      if (empty) empty.remove();
      list.prepend(fresh);
      if (before > 0) scroller.scrollTop = before + fresh.offsetHeight;
    }
    restoreRowState(fresh);
    htmx.process(fresh);
  }

  // A row the feed already put on top can come again with "Load more": keep the first.
  function dropRepeatedRows() {
    const seen = new Set();
    $$("#rows .row").forEach((row) => {
      if (seen.has(row.id)) row.remove(); else seen.add(row.id);
    });
  }

  function removeRow(id) {
    const row = document.getElementById("row-" + id);
    if (!row) return;
    ticked.delete(String(id));
    row.remove();
    updateTickCount();
  }

  function replaceKeepingScroll(selector, html) {
    const old = $(selector);
    if (!old) return;
    const atBottom = old.scrollHeight - old.scrollTop - old.clientHeight < 8;
    const top = old.scrollTop;
    const fresh = fragment(html);
    old.replaceWith(fresh);
    htmx.process(fresh);
    fresh.scrollTop = atBottom ? fresh.scrollHeight : top;
  }

  // Live updates paused (Redis down, or the server unreachable): show it, and resync after.
  function setPaused(paused) {
    const notice = $("#live-paused");
    if (notice) notice.hidden = !paused;
    if (paused) SB.paused = true;
  }

  let inflight = false;
  async function poll() {
    const inbox = $("#inbox");
    const list = $("#list");
    if (!inbox || inflight) return;
    inflight = true;
    try {
      const pane = $("#pane");
      const text = $("#composer-text");
      const params = new URLSearchParams(list ? list.dataset.query : "");
      params.set("v", list ? list.dataset.version : SB.version || 0);
      const thread = $("#thread");
      if (pane && pane.dataset.conversation) {
        params.set("open", pane.dataset.conversation);
        if (thread) params.set("pv", thread.dataset.version || 0);
        params.set("typing", text && text.value.trim() && document.activeElement === text ? "1" : "0");
      }
      if (SB.paused) params.set("resync", "1");
      const response = await fetch(inbox.dataset.liveUrl + "?" + params.toString(),
        { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) { setPaused(true); return; }
      const body = await response.json();
      if (body.paused) { setPaused(true); return; }
      setPaused(false);
      SB.paused = false;
      if (list) list.dataset.version = body.version;
      SB.version = body.version;
      if (body.presence !== undefined && $("#presence")) $("#presence").innerHTML = body.presence;
      if (body.folders) replaceKeepingScroll("#folders", body.folders);
      (body.rows || []).forEach((r) => upsertRow(r.id, r.html));
      (body.gone || []).forEach(removeRow);
      if (body.reload && list) htmx.ajax("GET", window.location.pathname === "/" ? window.location.href : "/?" + list.dataset.query,
        { target: "#list", swap: "outerHTML" });
      const openNow = $("#pane") && $("#pane").dataset.conversation;
      // Not over a pane rendered after this answer was (the agent's own action came back
      // while the poll was out): that would put back what the action just changed. A reload
      // always lands: the log may have restarted (Redis came back empty) below the stamp.
      const shownAt = Number(($("#thread") || {dataset: {}}).dataset.version || 0);
      if (body.thread && openNow && String(openNow) === String(pane.dataset.conversation) &&
          (body.reload || !(shownAt && shownAt >= body.version))) {
        replaceKeepingScroll("#thread", body.thread);
        // Not under an agent editing the customer or writing a note there; saving re-renders it.
        if (!sideInUse()) replaceKeepingScroll("#side", body.side);
        const header = $("#conv-header");
        if (header && body.header) { const fresh = fragment(body.header); header.replaceWith(fresh); htmx.process(fresh);
          if (body.presence !== undefined) $("#presence").innerHTML = body.presence; }
      }
    } catch (err) {
      setPaused(true); // network blip or server gone: the next tick tries again
    } finally {
      inflight = false;
    }
  }

  function sideInUse() {
    const side = $("#side");
    if (!side) return false;
    if (side.contains(document.activeElement) || side.querySelector("details[open]")) return true;
    return Array.from(side.querySelectorAll("textarea")).some((t) => t.value.trim());
  }

  // ---- selection --------------------------------------------------------------------------
  function updateTickCount() {
    const count = $("#selected-count");
    if (count) count.textContent = String(ticked.size);
    const bulk = $("#bulk");
    if (bulk) bulk.classList.toggle("active", ticked.size > 0);
  }
  document.addEventListener("change", (e) => {
    if (e.target.matches("input.select")) {
      const id = e.target.value;
      if (e.target.checked) ticked.add(id); else ticked.delete(id);
      updateTickCount();
    }
  });
  document.addEventListener("click", (e) => {
    const link = e.target.closest("#rows a.open");
    if (link) { const row = link.closest(".row"); SB.currentId = row.dataset.id; row.classList.remove("unread"); }
    const closeButton = e.target.closest("#composer [data-close]");
    if (closeButton) closeButton.form.querySelector("input[name=close]").value = "1";
    const sendButton = e.target.closest("#composer #send-button");
    if (sendButton) sendButton.form.querySelector("input[name=close]").value = "0";
  });

  document.body.addEventListener("htmx:afterSwap", (e) => {
    const target = e.detail.target;
    if (!target) return;
    if (target.id === "list" || (document.getElementById("list") && e.target.id === "list")) {
      ticked.clear(); updateTickCount();
    }
    dropRepeatedRows();
    $$("#rows .row").forEach(restoreRowState);
    if (target.id === "pane" || e.target.id === "pane") setupComposer();
  });

  // After a send or a close from the keyboard flow, open the next conversation.
  document.body.addEventListener("replySent", (e) => { if (e.detail.advance && SB.openNext) SB.openNext(); });
  document.body.addEventListener("conversationChanged", (e) => { if (e.detail.advance && SB.openNext) SB.openNext(); });
  document.body.addEventListener("bulkDone", (e) => { ticked.clear(); updateTickCount(); announceBulk(e.detail); });

  // What a bulk action did, in words: "3 conversations closed".
  const BULK_DONE = { close: "closed", reopen: "reopened", assign: "assigned", tag: "tagged",
    priority: "given the new priority", snooze: "snoozed", spam: "marked as spam" };
  function announceBulk(detail) {
    const out = $("#bulk-done");
    if (!out || !detail) return;
    const n = Number(detail.count) || 0;
    out.textContent = (n === 0 ? "No conversations" : n + " conversation" + (n === 1 ? "" : "s")) +
      " " + (BULK_DONE[detail.verb] || "changed") + ".";
    out.hidden = false;
  }

  // ---- composer helpers -------------------------------------------------------------------
  function savedReplies() {
    const data = $("#saved-replies");
    try { return data ? JSON.parse(data.textContent) : []; } catch (err) { return []; }
  }

  // The picker opens when the text before the caret ends with "##query" (or is "/query").
  function pickerQuery(text, caret) {
    const before = text.slice(0, caret);
    let m = before.match(/##([^\s#]*)$/);
    if (m) return { start: before.length - m[0].length, query: m[1] };
    m = before.match(/^\/(\S*)$/);
    if (m) return { start: 0, query: m[1] };
    return null;
  }

  let pickIndex = 0;
  function renderPicker(textarea) {
    const picker = $("#saved-picker");
    if (!picker) return;
    const found = pickerQuery(textarea.value, textarea.selectionStart);
    if (!found) { picker.hidden = true; return; }
    const q = found.query.toLowerCase();
    const matches = savedReplies().filter((r) =>
      r.title.toLowerCase().includes(q) || (r.shortcut || "").toLowerCase().includes(q) ||
      r.text.toLowerCase().includes(q));
    picker.textContent = "";
    if (!matches.length) { picker.hidden = true; return; }
    pickIndex = Math.min(pickIndex, matches.length - 1);
    matches.slice(0, 8).forEach((r, i) => {
      const item = document.createElement("div");
      item.className = "pick" + (i === pickIndex ? " active" : "");
      item.setAttribute("role", "option");
      item.dataset.index = String(i);
      const title = document.createElement("b");
      title.textContent = r.title;
      const body = document.createElement("span");
      body.textContent = r.text.length > 90 ? r.text.slice(0, 90) + "…" : r.text;
      item.append(title, body);
      item.addEventListener("mousedown", (ev) => { ev.preventDefault(); insertReply(textarea, r); });
      picker.appendChild(item);
    });
    picker.hidden = false;
    picker._matches = matches.slice(0, 8);
  }

  function insertReply(textarea, reply) {
    const found = pickerQuery(textarea.value, textarea.selectionStart);
    if (!found) return;
    const caret = textarea.selectionStart;
    textarea.value = textarea.value.slice(0, found.start) + reply.text + textarea.value.slice(caret);
    const at = found.start + reply.text.length;
    textarea.setSelectionRange(at, at);
    $("#saved-picker").hidden = true;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function updateCount(textarea) {
    const max = parseInt(textarea.dataset.maxLength || "0", 10);
    const count = $("#char-count");
    if (!max || !count) return;
    const used = textarea.value.length;
    count.textContent = used + " / " + max;
    count.classList.toggle("over", used > max);
  }

  function setupComposer() {
    const textarea = $("#composer-text");
    if (!textarea || textarea.dataset.ready) return;
    textarea.dataset.ready = "1";
    updateCount(textarea);
    textarea.addEventListener("input", () => { pickIndex = 0; renderPicker(textarea); updateCount(textarea); });
    textarea.addEventListener("keydown", (e) => {
      const picker = $("#saved-picker");
      if (!picker || picker.hidden || !picker._matches) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        pickIndex = (pickIndex + (e.key === "ArrowDown" ? 1 : -1) + picker._matches.length) % picker._matches.length;
        renderPicker(textarea);
      } else if ((e.key === "Enter" || e.key === "Tab") && !e.ctrlKey && !e.metaKey) {
        e.preventDefault();
        e.stopPropagation();
        insertReply(textarea, picker._matches[pickIndex]);
      }
    });
  }

  function tickCountdowns() {
    $$("[data-closes-at]").forEach((el) => {
      const left = Math.floor((new Date(el.dataset.closesAt) - new Date()) / 1000);
      const out = $(".countdown", el);
      if (!out) return;
      if (left <= 0) { out.textContent = "closed"; el.classList.add("closed"); return; }
      const h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      out.textContent = h + "h " + String(m).padStart(2, "0") + "m " + String(s).padStart(2, "0") + "s left";
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const notice = $("#live-paused");
    SB.paused = Boolean(notice && !notice.hidden); // rendered while Redis was down
    setupComposer();
    $$("#rows .row").forEach(restoreRowState);
    setInterval(poll, POLL_MS);
    setInterval(tickCountdowns, 1000);
    tickCountdowns();
  });
})();
