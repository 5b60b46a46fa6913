// End-to-end: the real debug desktop binary, driven through tauri-driver and WebKitWebDriver,
// walking the journeys of a rep and a supervisor against the embedded sandbox (the desktop
// app syncs from it when no system is configured, and pushes corrections back to it).
//
// Each run uses its own temporary data folder (CONCORD_DATA_DIR), so it never touches a
// person's data; the `concord` command line reads the same cache to pick a customer, as a
// test's eyes. Needs an X display (the test command runs it under Xvfb), tauri-driver on PATH
// or in ~/.cargo/bin, and both binaries built, the desktop one with the front end embedded.
// Each journey saves a screenshot under target/e2e/.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { remote } from "webdriverio";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const app = process.env.CONCORD_E2E_APP ?? join(repo, "target/debug/concord-desktop");
const cli = process.env.CONCORD_E2E_CLI ?? join(dirname(app), "concord");
const shots = join(repo, "target/e2e");
const driverPort = 4444;
// tauri-driver answers on its own port at once, but forwards every request to
// WebKitWebDriver on this one, which starts a moment later: a session asked for before
// then is dropped with a closed socket.
const nativeDriverPort = 4445;

let dataDir;
let caller;
let customer;
let driver;
let browser;
let driverLog = "";

/** Runs the command line on the test's data folder and returns what it printed. */
function concord(...args) {
  const run = spawnSync(cli, [...args, "--data-dir", dataDir], {
    encoding: "utf8",
    timeout: 30_000,
  });
  assert.equal(run.status, 0, `concord ${args.join(" ")} failed:\n${run.stderr}`);
  return run.stdout;
}

async function shoot(name) {
  mkdirSync(shots, { recursive: true });
  const path = join(shots, `${name}.png`);
  await browser.saveScreenshot(path);
  assert.ok(existsSync(path), `screenshot saved to ${path}`);
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * Waits for the desktop app's first sync from the embedded sandbox, then picks a customer
 * both systems know, with a US address and a phone number that finds them first.
 */
async function pickCaller() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    for (let id = 1; id <= 60; id++) {
      const run = spawnSync(cli, ["show", String(id), "--json", "--data-dir", dataDir], {
        encoding: "utf8",
        timeout: 10_000,
      });
      if (run.status !== 0) break;
      const view = JSON.parse(run.stdout);
      const systems = new Set(view.sourceRecords.map((r) => r.system));
      const phone = view.contacts.find((c) => c.medium === "phone" && c.e164);
      const address = view.addresses.find((a) => a.country === "US");
      if (!systems.has("tryton") || !systems.has("vendure") || !phone || !address) continue;
      const hits = JSON.parse(concord("lookup", phone.display, "--json")).hits;
      if (hits[0]?.customerId === id) return { view, phone, address };
    }
    await sleep(2_000);
  }
  throw new Error(`the embedded sandbox never gave a customer to look up:\n${driverLog}`);
}

function findTauriDriver() {
  const inCargoHome = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin/tauri-driver");
  return existsSync(inCargoHome) ? inCargoHome : "tauri-driver";
}

async function waitForPort(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((done) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => done(socket.end() && true));
      socket.once("error", () => done(false));
    });
    if (open) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`nothing listened on ${port} within ${timeoutMs} ms:\n${driverLog}`);
}

describe("the desktop shell", () => {
  before(async () => {
    assert.ok(existsSync(app), `the desktop binary must be built first: ${app}`);
    assert.ok(existsSync(cli), `the command line must be built first: ${cli}`);
    dataDir = mkdtempSync(join(tmpdir(), "concord-e2e-"));
    writeFileSync(
      join(dataDir, "config.toml"),
      '[user]\nname = "Robin Vega"\nrole = "supervisor"\n',
    );

    driver = spawn(findTauriDriver(), [
      "--port", String(driverPort), "--native-port", String(nativeDriverPort),
    ], {
      env: {
        ...process.env,
        CONCORD_DATA_DIR: dataDir,
        // Under Xvfb, WebKitGTK's compositing mode leaves snapshots showing the first paint;
        // without it the screenshot shows the window as it is.
        WEBKIT_DISABLE_COMPOSITING_MODE: process.env.WEBKIT_DISABLE_COMPOSITING_MODE ?? "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    driver.stdout.on("data", (chunk) => (driverLog += chunk));
    driver.stderr.on("data", (chunk) => (driverLog += chunk));
    await waitForPort(driverPort, 15_000);
    await waitForPort(nativeDriverPort, 15_000);

    browser = await remote({
      hostname: "127.0.0.1",
      port: driverPort,
      logLevel: "warn",
      connectionRetryCount: 0,
      capabilities: {
        // Classic WebDriver only: WebKitWebDriver speaks no BiDi, and nothing is downloaded.
        "wdio:enforceWebDriverClassic": true,
        "tauri:options": { application: app },
      },
    });
  });

  after(async () => {
    await browser?.deleteSession().catch(() => {});
    driver?.kill();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("opens with the search box focused", async () => {
    const search = await browser.$('[data-testid="search"]');
    await search.waitForExist({ timeout: 15_000 });

    const focused = await search.isFocused();

    assert.equal(focused, true, "the rep types the moment the window appears");
  });

  it("shows the user and role that app_status read from the data folder's settings", async () => {
    const user = await browser.$('[data-testid="user"]');
    await user.waitForExist({ timeout: 10_000, timeoutMsg: "app_status never answered" });

    const text = await user.getText();

    assert.equal(text, "Robin Vega · Supervisor", "the status bar shows what the backend said");
  });

  it("looks a caller up by phone and opens their account", async () => {
    caller = await pickCaller();
    customer = caller.view;
    const search = await browser.$('[data-testid="search"]');

    await search.setValue(caller.phone.display);
    const option = await browser.$(`li[role="option"]*=${customer.displayName}`);
    await option.waitForExist({ timeout: 10_000, timeoutMsg: "lookup listed no such customer" });
    await browser.keys("Enter");
    const name = await browser.$('[data-testid="customer-name"]');
    await name.waitForExist({ timeout: 10_000, timeoutMsg: "Enter never opened the account" });

    assert.equal(await name.getText(), customer.displayName, "Enter opens the top match");
    assert.equal(await search.getValue(), caller.phone.display, "what was typed stays typed");
    const ids = await browser.$('[data-testid="system-ids"]').getText();
    assert.match(ids, /Tryton ID/, "the ERP's ID is in the header");
    assert.match(ids, /Vendure ID/, "and the web store's");
    await shoot("lookup-by-phone");
  });

  it("corrects an address, keeps the typed variant with a reason, and sees the systems confirm", async () => {
    const correct = await browser.$(`button[aria-label="Correct this address: ${caller.address.line1}"]`);
    await correct.waitForClickable({ timeout: 10_000 });
    await correct.click();
    const line1 = await browser.$('[data-testid="field-line1"]');
    await line1.waitForExist({ timeout: 10_000, timeoutMsg: "the country's form never showed" });
    // The caller reads the street out in lower case; the standardizer would write it in
    // capitals with USPS abbreviations, and the rep keeps it as the caller wants it.
    const typed = caller.address.line1.toLowerCase();

    await line1.setValue(typed);
    await browser.$('[data-testid="check-address"]').click();
    await browser.$('[data-testid="suggestion"]').waitForExist({ timeout: 10_000 });
    await shoot("correction-suggestion");
    await browser.$('[data-testid="keep-as-entered"]').click();
    const reason = await browser.$('[data-testid="keep-reason"]');
    await reason.waitForExist({ timeout: 10_000 });
    await reason.setValue("The caller asked for it written the way they write it");
    const save = await browser.$('[data-testid="save-correction"]');
    await save.waitForEnabled({ timeout: 10_000, timeoutMsg: "the preview never settled" });
    await save.click();

    // An address lives in the system that holds it; the preview says which systems the
    // correction goes to, and each of those must confirm.
    const targets = [];
    for (const system of ["tryton", "vendure"]) {
      const row = await browser.$(`[data-testid="push-${system}"]`);
      if (!(await row.getText()).includes("nothing sent")) targets.push(system);
    }
    assert.ok(targets.length > 0, "a correction that changes something goes to a system");
    for (const system of targets) {
      const state = await browser.$(`[data-testid="push-state-${system}"]`);
      let last = "";
      try {
        await browser.waitUntil(async () => (last = await state.getText().catch(() => "")) === "confirmed", {
          timeout: 60_000,
        });
      } catch {
        await shoot("correction-not-confirmed");
        assert.fail(`${system} never confirmed the correction; it says "${last}"`);
      }
    }
    await shoot("correction-confirmed");
    const history = JSON.parse(concord("show", String(customer.customerId), "--json"));
    const kept = history.addresses.find((a) => a.line1 === typed);
    assert.ok(kept, "the typed variant is what the account now holds, not the standardized one");
  });

  it("lets a supervisor decide an uncertain match and undo it", async () => {
    await browser.$('[data-testid="open-review"]').click();
    const items = await browser.$('[data-testid="review-items"]');
    await items.waitForExist({ timeout: 10_000 });
    const match = await browser.$('li[role="option"]*=Uncertain match');
    await match.waitForExist({ timeout: 20_000, timeoutMsg: "no uncertain match in the queue" });

    await match.click();
    await browser.$('[data-testid="match-view"]').waitForExist({ timeout: 10_000 });
    await browser.$('[data-testid="evidence-chart"]').waitForExist();
    await shoot("review-uncertain-match");
    const headline = await browser.$('[data-testid="review-headline"]').getText();
    await browser.$('[data-testid="decide-link"]').click();
    const done = await browser.$('[data-testid="review-done"]');
    await done.waitForExist({ timeout: 20_000, timeoutMsg: "the decision never came back" });
    assert.match(await done.getText(), /Decided/);
    await browser.$('[data-testid="undo"]').click();
    await browser.waitUntil(async () => /Undone/.test(await done.getText()), {
      timeout: 20_000,
      timeoutMsg: "the undo never came back",
    });

    await shoot("review-undone");
    const open = concord("review", "list");
    assert.ok(open.includes(headline.replace(/ \(.*$/, "")), "the item is open again after the undo");
  });

  it("hands a screen pop from a second start to the open window, which looks it up", async () => {
    await browser.$('[data-testid="open-review"]').click();
    const link = `concord://lookup?phone=${encodeURIComponent(caller.phone.e164)}`;

    const second = spawnSync(app, [link], {
      env: { ...process.env, CONCORD_DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 20_000,
    });

    assert.equal(second.status, 0, `the second start hands over and exits:\n${second.stderr}`);
    assert.match(second.stderr, /already open for the data folder/);
    const search = await browser.$('[data-testid="search"]');
    await browser.waitUntil(async () => (await search.getValue()) === caller.phone.e164, {
      timeout: 10_000,
      timeoutMsg: "the window never showed the screen pop",
    });
    const option = await browser.$(`li[role="option"]*=${customer.displayName}`);
    await option.waitForExist({ timeout: 10_000, timeoutMsg: "the screen pop found nobody" });
    await shoot("screen-pop");
  });

  it("writes its lifecycle to the log folder inside the data folder", () => {
    const logs = join(dataDir, "logs");
    const files = readdirSync(logs).filter((name) => name.endsWith(".log"));
    const text = files.map((name) => readFileSync(join(logs, name), "utf8")).join("");

    assert.match(text, /desktop starting/, "an operator can see when the app started");
    assert.doesNotMatch(text, /Robin Vega/, "the user's name stays out of info-level logs");
    assert.ok(!text.includes(customer.familyName), "what the rep typed stays out of them too");
    assert.ok(!text.includes(caller.phone.e164), "and so do the phone numbers screen pops carry");
  });
});
