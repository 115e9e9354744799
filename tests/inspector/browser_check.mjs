// Drives the inspector page in headless Chromium over the DevTools
// protocol (Node's built-in WebSocket, no npm package): waits for the
// entity list, opens an entity, edits Position.x through the page's own
// input, checks the value the server answered with, checks the schedule
// graph and the tick chart, and saves a screenshot.
// usage: node --experimental-websocket browser_check.mjs CHROMIUM URL SCREENSHOT PROFILE_DIR
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";

const [chromium, url, screenshot, profile] = process.argv.slice(2);
const deadline = Date.now() + 90_000;
const fail = (msg) => {
  console.error(`browser check FAILED: ${msg}`);
  process.exitCode = 1;
  throw new Error(msg);
};

const browser = spawn(chromium, [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
  "--disable-dev-shm-usage", `--user-data-dir=${profile}`, "--remote-debugging-port=0", "--window-size=1400,860",
  "about:blank",
], { stdio: ["ignore", "ignore", "pipe"] });

const wsUrl = await new Promise((resolve, reject) => {
  let err = "";
  const timer = setTimeout(() => reject(new Error("Chromium did not start: " + err)), 30_000);
  browser.stderr.on("data", (d) => {
    err += d;
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
    if (m) { clearTimeout(timer); resolve(m[1]); }
  });
  browser.on("exit", (code) => reject(new Error(`Chromium exited (${code}): ${err}`)));
});

const ws = new WebSocket(wsUrl);
await new Promise((r, j) => { ws.onopen = r; ws.onerror = j; });
let nextId = 1;
const pending = new Map();
ws.onmessage = (ev) => {
  const m = JSON.parse(ev.data);
  if (m.id && pending.has(m.id)) {
    const { resolve, reject } = pending.get(m.id);
    pending.delete(m.id);
    m.error ? reject(new Error(JSON.stringify(m.error))) : resolve(m.result);
  }
};
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = nextId++;
  pending.set(id, { resolve, reject });
  ws.send(JSON.stringify({ id, method, params, sessionId }));
});

let code = 0;
try {
  const { targetId } = await send("Target.createTarget", { url: "about:blank" });
  const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
  const page = (method, params) => send(method, params, sessionId);
  const js = async (expr) => {
    const r = await page("Runtime.evaluate", { expression: expr, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`${expr}: ${r.exceptionDetails.text}`);
    return r.result.value;
  };
  const until = async (what, expr) => {
    while (Date.now() < deadline) {
      const v = await js(expr).catch(() => null);
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    fail(`timed out waiting for ${what}`);
  };
  await page("Page.enable");
  await page("Runtime.enable");
  await page("Emulation.setDeviceMetricsOverride", { width: 1400, height: 860, deviceScaleFactor: 1, mobile: false });
  await page("Page.navigate", { url });

  const count = await until("the entity list", "document.querySelectorAll('#entities li.entity').length");
  console.log(`entity list: ${count} entities shown`);
  await until("the live status", "document.getElementById('conn').textContent === 'live'");
  const writes = await js("document.getElementById('w-writes').textContent");
  if (writes !== "writes on") fail(`the demo must run with --inspect-writes (page says '${writes}')`);

  // search narrows the list, then clear it
  await js("(() => { const s = document.getElementById('search'); s.value = 'Agent'; s.dispatchEvent(new Event('input')); })()");
  await until("search results", "document.getElementById('page').textContent.includes('of')");

  const label = await js("(() => { const li = document.querySelector('#entities li.entity'); li.click(); return li.dataset.label; })()");
  await until("the components of " + label, "!!document.querySelector('[data-path=\"Position.x\"]')");
  console.log(`opened entity ${label}`);

  // a bad edit first: the page shows the server's reason
  await js(`(() => { const i = document.querySelector('[data-path="Agent.state"]');
    const o = document.createElement('option'); o.value = 'NOPE'; o.textContent = 'NOPE'; i.append(o);
    i.value = 'NOPE'; i.dispatchEvent(new Event('change')); })()`);
  const bad = await until("the refusal", `(() => { const e = document.querySelector('.comp[data-name="Agent"] .err');
    return e && e.textContent.includes('unknown constant') ? e.textContent : null; })()`);
  console.log(`bad edit refused: ${bad}`);

  // a good one, through the input as a person would
  await js(`(() => { const i = document.querySelector('[data-path="Position.x"]'); i.focus(); i.value = '123.5';
    i.dispatchEvent(new Event('change')); })()`);
  await until("the saved edit", `(() => { const e = document.querySelector('.comp[data-name="Position"] .err');
    return e && e.className.includes('saved'); })()`);
  const shown = await js("document.querySelector('[data-path=\"Position.x\"]').value");
  if (shown !== "123.5") fail(`after the edit the page shows Position.x = ${shown}`);
  console.log(`edit applied: Position.x = ${shown} (the server's answer)`);

  const systems = await until("the schedule graph", "document.querySelectorAll('#graph g.system').length");
  const legend = await until("the tick chart", "document.getElementById('chart-legend').textContent.includes('ticks') && document.getElementById('chart-legend').textContent");
  console.log(`schedule graph: ${systems} systems; chart: ${legend}`);

  await new Promise((r) => setTimeout(r, 1500)); // one more refresh for the picture
  const shot = await page("Page.captureScreenshot", { format: "png" });
  writeFileSync(screenshot, Buffer.from(shot.data, "base64"));
  console.log(`screenshot: ${screenshot}`);
  console.log("browser check: PASS");
} catch (e) {
  console.error(String(e && e.stack || e));
  code = 1;
} finally {
  try { ws.close(); } catch { /* closing anyway */ }
  browser.kill("SIGKILL");
}
process.exit(code);
