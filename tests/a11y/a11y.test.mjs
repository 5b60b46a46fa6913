// Accessibility: axe-core checks the built front end (ui/dist) in headless Chromium, in the
// light and the dark theme, on each screen a rep or supervisor works in. The page runs on the
// in-memory backend (`?backend=fake`), so no desktop app or cache is needed.
//
// Uses the system's Chromium (/usr/bin/chromium, or CONCORD_CHROMIUM): nothing is downloaded.
// A violation rated serious or critical fails the test; lesser ones are printed.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = join(repo, "ui/dist");
const executablePath = process.env.CONCORD_CHROMIUM ?? "/usr/bin/chromium";
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const BLOCKING = new Set(["serious", "critical"]);
const TYPES = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

let server;
let origin;
let browser;

/** Serves ui/dist as the desktop app's protocol would: files only, nothing outside it. */
function serve() {
  return new Promise((done) => {
    const http = createServer((request, response) => {
      const path = new URL(request.url, "http://localhost").pathname;
      const file = normalize(join(dist, path === "/" ? "index.html" : path));
      if (!file.startsWith(dist) || !existsSync(file)) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
      response.end(readFileSync(file));
    });
    http.listen(0, "127.0.0.1", () => done(http));
  });
}

/** Runs axe on the page as it is; returns the blocking violations, printing the rest. */
async function audit(page, screen) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, { resultTypes: ["violations"] });
  });
  const describe = (v) =>
    `${screen}: [${v.impact}] ${v.id}: ${v.help}\n` +
    v.nodes.map((n) => `    ${n.target.join(" ")}: ${n.failureSummary?.split("\n").join(" ")}`).join("\n");
  const blocking = result.violations.filter((v) => BLOCKING.has(v.impact));
  for (const v of result.violations.filter((v) => !BLOCKING.has(v.impact))) {
    console.log(`note: ${describe(v)}`);
  }
  return blocking.map(describe);
}

/** Opens the app and walks it to each screen, auditing each one. */
async function walk(colorScheme) {
  const page = await browser.newPage({ colorScheme, viewport: { width: 1280, height: 800 } });
  const problems = [];
  try {
    await page.goto(`${origin}/?backend=fake`);
    const search = page.getByRole("combobox", { name: "Find a customer" });
    await search.waitFor();
    problems.push(...(await audit(page, `${colorScheme}, start`)));

    await search.fill("555");
    await page.getByRole("option", { name: /Ada Lovelace/ }).waitFor();
    problems.push(...(await audit(page, `${colorScheme}, results`)));

    await page.keyboard.press("Enter");
    await page.getByTestId("customer-name").waitFor();
    problems.push(...(await audit(page, `${colorScheme}, account`)));

    await page.getByRole("button", { name: /Correct this address/ }).first().click();
    await page.getByLabel(/ZIP code/).fill("9720");
    await page.getByTestId("check-address").click();
    await page.getByTestId("preview").waitFor();
    await page.getByTestId("keep-as-entered").check();
    await page.getByTestId("keep-reason").waitFor();
    problems.push(...(await audit(page, `${colorScheme}, address editor`)));

    await page.getByTestId("open-review").click();
    await page.getByTestId("match-view").waitFor();
    problems.push(...(await audit(page, `${colorScheme}, review: uncertain match`)));
    await page.getByTestId("review-items").press("ArrowDown");
    await page.getByTestId("disagreement-view").waitFor();
    problems.push(...(await audit(page, `${colorScheme}, review: disagreement`)));

    await page.getByTestId("open-settings").click();
    await page.getByTestId("settings").waitFor();
    problems.push(...(await audit(page, `${colorScheme}, settings`)));
  } finally {
    await page.close();
  }
  return problems;
}

describe("accessibility (axe-core, headless Chromium)", () => {
  before(async () => {
    assert.ok(existsSync(join(dist, "index.html")), "build the front end first: npm run build --workspace ui");
    assert.ok(existsSync(executablePath), `no Chromium at ${executablePath} (apt install chromium)`);
    server = await serve();
    origin = `http://127.0.0.1:${server.address().port}`;
    browser = await chromium.launch({ executablePath, headless: true });
  });

  after(async () => {
    await browser?.close();
    server?.close();
  });

  for (const scheme of ["light", "dark"]) {
    it(`has no serious violations in the ${scheme} theme`, async () => {
      const problems = await walk(scheme);

      assert.deepEqual(problems, [], `a rep using a screen reader or the keyboard is blocked:\n${problems.join("\n")}`);
    });
  }
});
