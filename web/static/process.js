// stafette process page: renders the BPMN diagram with bpmn-js (NavigatedViewer),
// puts an overlay with the article count and a coverage marker on every step, and opens
// a side panel with the step's name, lane, documentation, articles and actions on click.
// Progressive enhancement: the step list below the diagram works without JavaScript.
"use strict";

(function () {
  const canvas = document.getElementById("bpmn-canvas");
  const panel = document.getElementById("step-panel");
  if (!canvas || !panel || typeof window.BpmnJS !== "function") return;
  const t = canvas.dataset;
  const csrf = t.csrf;
  const kindOptions = document.getElementById("kind-options");
  let refit = function () {};

  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") e.textContent = v;
      else e.setAttribute(k, v);
    });
    (children || []).forEach((c) => c && e.appendChild(c));
    return e;
  }

  function actionForm(action, label, fields) {
    const form = el("form", { method: "post", action: action, class: "form panel-form" });
    form.appendChild(el("input", { type: "hidden", name: "_csrf", value: csrf }));
    fields.forEach((f) => form.appendChild(f));
    form.appendChild(el("p", {}, [el("button", { type: "submit", text: label })]));
    return form;
  }

  function kindSelect(id) {
    const select = el("select", { id: id, name: "kind" });
    if (kindOptions) select.appendChild(kindOptions.content.cloneNode(true));
    return el("p", {}, [el("label", { for: id, text: t.tKind }), select]);
  }

  function openPanel(step) {
    panel.replaceChildren();
    const heading = el("h3", { id: "step-panel-h", text: step.name || step.type_label + " (" + step.element_id + ")" });
    const close = el("button", { type: "button", class: "secondary small panel-close", text: t.tClose });
    close.addEventListener("click", closePanel);
    panel.appendChild(el("div", { class: "panel-head" }, [heading, close]));
    const meta = el("dl", { class: "panel-meta" });
    meta.appendChild(el("dt", { text: t.tType }));
    meta.appendChild(el("dd", { text: step.type_label }));
    if (step.lane_path.length) {
      meta.appendChild(el("dt", { text: t.tLane }));
      meta.appendChild(el("dd", { text: step.lane_path.join(" / ") }));
    }
    panel.appendChild(meta);
    if (step.documentation) {
      panel.appendChild(el("h4", { text: t.tDoc }));
      panel.appendChild(el("p", { class: "step-doc", text: step.documentation }));
    }
    panel.appendChild(el("h4", { text: t.tLinked }));
    if (step.articles.length) {
      const list = el("ul", { class: "linked-articles" });
      step.articles.forEach((a) => {
        list.appendChild(el("li", {}, [el("a", { href: a.url, text: a.title }), document.createTextNode(" "), el("span", { class: "kind", text: a.kind_label }), document.createTextNode(" "), el("span", { class: "badge badge-" + a.status, text: a.status_label })]));
      });
      panel.appendChild(list);
    } else {
      panel.appendChild(el("p", { text: t.tNone }));
    }
    panel.appendChild(el("h4", { text: t.tLink }));
    panel.appendChild(actionForm(step.url + "/verknuepfen", t.tLinkSubmit, [
      el("p", {}, [el("label", { for: "panel-article", text: t.tArticleField }),
        el("input", { id: "panel-article", name: "article", required: "", autocomplete: "off", list: "search-suggestions" })]),
      kindSelect("panel-kind"),
    ]));
    panel.appendChild(el("h4", { text: t.tCreate }));
    panel.appendChild(actionForm(step.url + "/artikel-anlegen", t.tCreateSubmit, [kindSelect("panel-create-kind")]));
    panel.appendChild(el("p", {}, [el("a", { href: step.url, text: t.tOpen })]));
    const wasHidden = panel.hidden;
    panel.hidden = false;
    if (wasHidden) refit();
    panel.focus();
  }

  function closePanel() {
    panel.hidden = true;
    panel.replaceChildren();
    refit();
  }

  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !panel.hidden) closePanel();
  });

  async function load() {
    const [xmlRes, stepsRes] = await Promise.all([
      fetch(t.diagramUrl, { credentials: "same-origin" }),
      fetch(t.stepsUrl, { credentials: "same-origin", headers: { Accept: "application/json" } }),
    ]);
    if (!xmlRes.ok || !stepsRes.ok) throw new Error("loading failed");
    const xml = await xmlRes.text();
    const steps = await stepsRes.json();
    const byId = new Map(steps.map((s) => [s.element_id, s]));
    canvas.replaceChildren();
    const viewer = new window.BpmnJS({ container: canvas });
    await viewer.importXML(xml);
    const c = viewer.get("canvas");
    c.zoom("fit-viewport");
    // The panel takes width from the canvas: fit the diagram again when it opens or closes.
    refit = function () {
      c.resized();
      c.zoom("fit-viewport", "auto");
    };
    const overlays = viewer.get("overlays");
    const registry = viewer.get("elementRegistry");
    const activity = /Task$|^bpmn:SubProcess$|^bpmn:Transaction$|^bpmn:AdHocSubProcess$|^bpmn:CallActivity$|^bpmn:Task$/;
    registry.getAll().forEach((shape) => {
      const step = byId.get(shape.id);
      if (!step || shape.waypoints || shape.type === "label") return;
      const n = step.articles.length;
      const isActivity = activity.test(shape.type);
      if (!isActivity && n === 0) return;
      const state = n === 0 ? "none" : step.articles.some((a) => a.status === "verifiziert") ? "verified" : "linked";
      c.addMarker(shape.id, "kb-" + state);
      const badge = el("span", {
        class: "step-badge cov-" + state,
        title: n + " " + t.tArticles,
        text: String(n),
      });
      badge.appendChild(el("span", { class: "visually-hidden", text: " " + t.tArticles }));
      overlays.add(shape.id, "kb-count", { position: { bottom: 8, right: 12 }, html: badge });
    });
    viewer.get("eventBus").on("element.click", (e) => {
      const step = byId.get(e.element.id);
      if (step) openPanel(step);
    });
    canvas.dataset.rendered = "true";
  }

  load().catch(() => {
    canvas.replaceChildren(el("p", { class: "notice", text: canvas.getAttribute("aria-label") }));
  });
})();
