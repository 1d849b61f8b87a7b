// Keyboard shortcuts. ONE table, KEYMAP, drives both the key handlers and the "?" help
// overlay, so the help can never drift from what the keys do. Keys never fire while the
// agent is typing, except the entries marked `whileTyping` (send, escape).
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // ---- list navigation helpers --------------------------------------------------------------
  function rows() { return $$("#rows .row"); }
  function current() { return $("#rows .row.current"); }
  function setCurrent(row) {
    if (!row) return;
    rows().forEach((r) => r.classList.toggle("current", r === row));
    window.SB && (window.SB.currentId = row.dataset.id);
    row.scrollIntoView({ block: "nearest" });
  }
  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.indexOf(current());
    const next = at < 0 ? all[0] : all[Math.min(Math.max(at + step, 0), all.length - 1)];
    setCurrent(next);
  }
  function openCurrent() {
    const row = current() || rows()[0];
    if (!row) return;
    setCurrent(row);
    const link = $("a.open", row);
    if (link) link.click();
  }
  function openNext() {
    const openId = $("#pane") && $("#pane").dataset.conversation;
    const all = rows();
    let at = all.findIndex((r) => r.dataset.id === openId);
    if (at < 0) at = all.indexOf(current());
    const next = all[at + 1] || all[at - 1];
    if (next && next.dataset.id !== openId) { setCurrent(next); $("a.open", next).click(); }
  }
  function composer() { return $("#composer-text"); }
  function focusComposer() { const c = composer(); if (c) { c.focus(); c.setSelectionRange(c.value.length, c.value.length); } }
  function submitForm(selector) {
    const button = $(selector);
    if (button) button.click();
  }
  function focusField(selector) { const f = $(selector); if (f) f.focus(); }
  function toggleSelect() {
    const row = current();
    if (!row) return;
    const box = $("input.select", row);
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function sendCloseNext() {
    const form = $("#composer");
    if (!form) return;
    form.querySelector("input[name=close]").value = "1";
    form.querySelector("input[name=advance]").value = "1";
    // Leave the reply box first: htmx gives focus back to the element with the same id after
    // a swap, which would put the next conversation's reply box under the keys (a "c" meant
    // to close it would be typed into it instead).
    if (document.activeElement) document.activeElement.blur();
    htmx.trigger(form, "submit");
  }
  function leaveComposer() {
    const picker = $("#saved-picker");
    if (picker && !picker.hidden) { picker.hidden = true; return; }
    if (!$("#shortcut-help").hidden) { $("#shortcut-help").hidden = true; return; }
    if (document.activeElement) document.activeElement.blur();
  }
  function likeFirst() {
    const buttons = $$("#thread button.like");
    if (buttons.length) buttons[buttons.length - 1].click();
  }
  function goInbox() {
    const link = $("#folders a[data-folder=open]");
    if (link) link.click(); else window.location.href = "/";
  }

  // ---- THE key map ----------------------------------------------------------------------------
  // keys: a key name, "g i" for a sequence, "Mod+Enter" for Ctrl or Cmd with Enter.
  const KEYMAP = [
    { keys: "j", help: "Next conversation in the list", run: () => move(1) },
    { keys: "k", help: "Previous conversation in the list", run: () => move(-1) },
    { keys: "o", help: "Open the selected conversation", run: openCurrent },
    { keys: "Enter", help: "Open the selected conversation; in an open one, write a reply",
      run: () => { const open = $("#pane") && $("#pane").dataset.conversation;
        const cur = current();
        if (open && (!cur || cur.dataset.id === open)) focusComposer(); else openCurrent(); } },
    { keys: "r", help: "Write a reply", run: focusComposer },
    { keys: "Mod+Enter", help: "Send, close and open the next conversation", whileTyping: true,
      run: sendCloseNext },
    { keys: "Escape", help: "Leave the composer / close a menu", whileTyping: true, run: leaveComposer },
    { keys: "c", help: "Close the conversation", run: () => submitForm("#close-button") },
    { keys: "f", help: "Like the customer's latest message", run: likeFirst },
    { keys: "a", help: "Assign (choose, then Enter)", run: () => focusField("#assign-select") },
    { keys: "t", help: "Tag", run: () => focusField("#tag-input") },
    { keys: "s", help: "Snooze (choose, then Enter)", run: () => focusField("#snooze-select") },
    { keys: "x", help: "Select the row for a bulk action", run: toggleSelect },
    { keys: "##", help: "In the composer: pick a saved reply (also / on an empty reply)", typed: true },
    { keys: "/", help: "Search", run: () => focusField("#search") },
    { keys: "g i", help: "Go to the inbox", run: goInbox },
    { keys: "?", help: "Show this help", run: () => toggleHelp() },
  ];

  function isTyping(el) {
    if (!el) return false;
    const tag = el.tagName;
    return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !["checkbox", "radio", "button", "submit"].includes(el.type));
  }

  function renderHelp() {
    const box = $("#shortcut-help");
    if (!box) return;
    box.textContent = "";
    const h = document.createElement("h2");
    h.textContent = "Keyboard shortcuts";
    box.appendChild(h);
    const table = document.createElement("table");
    KEYMAP.forEach((entry) => {
      const tr = document.createElement("tr");
      const k = document.createElement("td");
      entry.keys.split(" ").forEach((part) => {
        const kbd = document.createElement("kbd");
        kbd.textContent = part.replace("Mod", navigator.platform.includes("Mac") ? "⌘" : "Ctrl");
        k.appendChild(kbd);
      });
      const d = document.createElement("td");
      d.textContent = entry.help;
      tr.append(k, d);
      table.appendChild(tr);
    });
    box.appendChild(table);
  }
  function toggleHelp() {
    const box = $("#shortcut-help");
    if (!box) return;
    if (box.hidden) renderHelp();
    box.hidden = !box.hidden;
  }

  let pending = ""; // first key of a sequence ("g")
  let pendingAt = 0;

  function keyName(e) {
    if ((e.ctrlKey || e.metaKey) && e.key === "Enter") return "Mod+Enter";
    return e.key;
  }

  document.addEventListener("keydown", (e) => {
    const name = keyName(e);
    const typing = isTyping(e.target);
    if (typing) {
      const entry = KEYMAP.find((k) => k.whileTyping && k.keys === name);
      if (entry) { e.preventDefault(); entry.run(); }
      // Enter on a focused action select submits its form (a, s).
      if (!entry && name === "Enter" && e.target.tagName === "SELECT" && e.target.form) {
        e.preventDefault();
        htmx.trigger(e.target.form, "submit");
      }
      return;
    }
    if (e.altKey || ((e.ctrlKey || e.metaKey) && name !== "Mod+Enter")) return;
    const now = Date.now();
    const seq = pending && now - pendingAt < 1500 ? pending + " " + name : "";
    pending = "";
    let entry = seq && KEYMAP.find((k) => k.keys === seq && k.run);
    if (!entry) entry = KEYMAP.find((k) => k.keys === name && k.run);
    if (!entry && KEYMAP.some((k) => k.keys.startsWith(name + " "))) {
      pending = name; pendingAt = now; return;
    }
    if (entry) { e.preventDefault(); entry.run(); }
  });

  document.addEventListener("click", (e) => {
    if (e.target.closest("[data-shortcut-help]")) toggleHelp();
  });

  window.SB = Object.assign(window.SB || {}, { KEYMAP, setCurrent, openNext, rows, current });
})();
