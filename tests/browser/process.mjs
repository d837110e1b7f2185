// Headless-Chromium check of the process page (issue #6): the BPMN diagram renders with
// bpmn-js under our strict CSP, every activity gets an article-count overlay, the
// bpmn.io watermark is visible, and clicking a step opens the side panel with its name.
//
// Not part of `cargo test` (needs Chromium and playwright-core). Run:
//   npm install --prefix /tmp/pw playwright-core   (never downloads a browser)
//   NODE_PATH=/tmp/pw/node_modules node tests/browser/process.mjs target/debug/stafette
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const bin = resolve(process.argv[2] || "target/debug/stafette");
const fixture = resolve(new URL("../fixtures/bpmn/gewerbe-iso-8859-1.bpmn", import.meta.url).pathname);

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });
}

function check(cond, msg) {
  if (!cond) throw new Error("FAILED: " + msg);
  console.log("ok - " + msg);
}

const dir = mkdtempSync(join(tmpdir(), "stafette-browser-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// The admin and an API token come from the CLI, before the server holds the database.
const password = "ein Passwort nur fuer den Browsertest";
execFileSync(bin, ["--data-dir", dir, "user", "add", "pruefer", "--role", "admin", "--password-stdin"], { input: password + "\n" });
const token = execFileSync(bin, ["--data-dir", dir, "token", "create", "pruefer", "--scope", "write"]).toString().trim();
const auth = { Authorization: `Bearer ${token}` };
const server = spawn(bin, ["--data-dir", dir, "--listen", `127.0.0.1:${port}`, "serve"], { stdio: ["ignore", "inherit", "inherit"] });
let browser;
try {
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(base + "/healthz")).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const art = await (await fetch(base + "/api/v1/articles", {
    method: "POST", headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ title: "Anzeige erfassen – Anleitung", body: "Schritt für Schritt." }),
  })).json();
  const imported = await fetch(base + "/api/v1/processes", {
    method: "POST", headers: { ...auth, "Content-Type": "application/xml" }, body: readFileSync(fixture),
  });
  check(imported.status === 201, "fixture imported through the API");
  const p = await imported.json();
  const linked = await fetch(`${base}/api/v1/processes/${p.id}/steps/Activity_Erfassen/links`, {
    method: "POST", headers: { ...auth, "Content-Type": "application/json" },
    body: JSON.stringify({ article_id: art.id, kind: "arbeitsanweisung" }),
  });
  check(linked.status === 201, "article linked to a step");

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  const page = await browser.newPage();
  const problems = [];
  // Failed requests are checked by URL below (the browser's own /favicon.ico probe aside).
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource/.test(m.text())) problems.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !r.url().endsWith("/favicon.ico")) problems.push(r.status() + " " + r.url());
  });
  page.on("pageerror", (e) => problems.push(String(e)));
  // Log in through the form, as a user would; the login page sends us on to the process.
  await page.goto(`${base}/prozesse/${p.id}`);
  check(page.url().includes("/anmelden?weiter="), "anonymous visitors land on the login form");
  await page.fill("#login", "pruefer");
  await page.fill("#password", password);
  await page.click("form[action='/anmelden'] button[type=submit]");
  await page.waitForURL(`${base}/prozesse/${p.id}`);
  check(true, "login through the form returns to the process page");
  await page.waitForSelector("#bpmn-canvas[data-rendered=true] svg", { timeout: 15000 });
  check(await page.locator("#bpmn-canvas svg .djs-element").count() > 10, "diagram rendered as SVG");
  const badges = page.locator(".djs-overlay .step-badge");
  check(await badges.count() >= 8, "article-count overlays on the activities");
  const linkedBadge = page.locator(".djs-overlay-container [data-container-id=Activity_Erfassen] .step-badge");
  check((await linkedBadge.first().textContent()).startsWith("1"), "overlay shows the linked article count");
  check(await page.locator(".bjs-powered-by").isVisible(), "bpmn.io watermark visible");
  check(await page.locator("#step-panel").isHidden(), "panel closed before a click");

  // Click inside the task, away from the sequence flows that cross its middle.
  await page.locator('#bpmn-canvas g.djs-shape[data-element-id="Activity_Erfassen"]').click({ position: { x: 12, y: 10 } });
  await page.waitForSelector("#step-panel:not([hidden])", { timeout: 5000 });
  const heading = await page.locator("#step-panel h3").textContent();
  check(heading === "Anzeige erfassen", "click opens the panel with the step name");
  check(await page.locator("#step-panel a", { hasText: "Anzeige erfassen – Anleitung" }).count() === 1, "panel lists the linked article");
  check(await page.locator("#step-panel form").count() === 2, "panel offers link and create actions");
  check(await page.locator(".step-list a[href$='/schritte/Activity_Erfassen']").count() === 1, "accessible step list present");
  const csp = problems.filter((m) => /Content Security Policy/i.test(m));
  check(csp.length === 0, "no CSP violations" + (csp.length ? ": " + csp.join(" | ") : ""));
  check(problems.length === 0, "no script errors" + (problems.length ? ": " + problems.join(" | ") : ""));
} finally {
  if (browser) await browser.close();
  server.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
