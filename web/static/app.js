// stafette editor helpers: Markdown toolbar, live preview, unsaved-change warning.
// Progressive enhancement only: every page works without JavaScript.
"use strict";

(function () {
  const form = document.getElementById("editor-form");
  if (!form) return;
  const body = form.querySelector("#body");
  const preview = document.getElementById("preview");
  const toolbar = form.querySelector(".toolbar");
  const csrf = form.querySelector("input[name=_csrf]").value;

  const snippets = {
    bold: ["**", "**", "fett"],
    italic: ["*", "*", "kursiv"],
    heading: ["\n## ", "\n", "Überschrift"],
    list: ["\n- ", "\n", "Punkt"],
    numbered: ["\n1. ", "\n", "Schritt"],
    task: ["\n- [ ] ", "\n", "Aufgabe"],
    link: ["[[", "]]", "Artikeltitel"],
    table: ["\n| Spalte | Spalte |\n|--------|--------|\n| ", " |        |\n", "Wert"],
  };

  if (toolbar) {
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (ev) {
      const button = ev.target.closest("button[data-md]");
      if (!button) return;
      const [before, after, placeholder] = snippets[button.dataset.md];
      const start = body.selectionStart, end = body.selectionEnd;
      const selected = body.value.slice(start, end) || placeholder;
      body.setRangeText(before + selected + after, start, end, "end");
      body.selectionStart = start + before.length;
      body.selectionEnd = start + before.length + selected.length;
      body.focus();
      body.dispatchEvent(new Event("input"));
    });
    // Arrow keys move between toolbar buttons (WAI-ARIA toolbar pattern).
    const buttons = Array.from(toolbar.querySelectorAll("button"));
    buttons.forEach((b, i) => (b.tabIndex = i === 0 ? 0 : -1));
    toolbar.addEventListener("keydown", function (ev) {
      const i = buttons.indexOf(document.activeElement);
      if (i < 0) return;
      let next = null;
      if (ev.key === "ArrowRight") next = (i + 1) % buttons.length;
      if (ev.key === "ArrowLeft") next = (i - 1 + buttons.length) % buttons.length;
      if (ev.key === "Home") next = 0;
      if (ev.key === "End") next = buttons.length - 1;
      if (next === null) return;
      ev.preventDefault();
      buttons[i].tabIndex = -1;
      buttons[next].tabIndex = 0;
      buttons[next].focus();
    });
  }

  let timer = null, seq = 0;
  function refresh() {
    const mine = ++seq;
    const data = new URLSearchParams();
    data.set("_csrf", csrf);
    data.set("body", body.value);
    fetch(preview.dataset.previewUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": csrf },
      body: data,
      credentials: "same-origin",
    })
      .then((r) => r.text().then((t) => ({ ok: r.ok, t })))
      .then(({ ok, t }) => {
        if (mine !== seq) return;
        if (ok) {
          // The server returns HTML sanitised by the same allow-list as article pages.
          preview.innerHTML = t;
        } else {
          preview.textContent = t;
        }
      })
      .catch(() => {});
  }
  if (preview) {
    body.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    if (body.value.trim() !== "") refresh();
  }

  let dirty = false;
  form.addEventListener("input", () => (dirty = true));
  form.addEventListener("submit", () => (dirty = false));
  window.addEventListener("beforeunload", function (ev) {
    if (dirty) {
      ev.preventDefault();
      ev.returnValue = "";
    }
  });
})();

// Search-as-you-type: fills the header search box's datalist with matching titles.
(function () {
  const input = document.getElementById("site-search");
  if (!input) return;
  const list = document.getElementById("search-suggestions");
  let timer = null, seq = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) return;
    timer = setTimeout(function () {
      const mine = ++seq;
      fetch(input.dataset.suggestUrl + "?limit=8&q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : []))
        .then(function (items) {
          if (mine !== seq) return;
          list.replaceChildren(...items.map(function (s) {
            const o = document.createElement("option");
            o.value = s.title;
            return o;
          }));
        })
        .catch(() => {});
    }, 150);
  });
})();
