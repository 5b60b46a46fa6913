// End-to-end: the real debug desktop binary, driven through tauri-driver and WebKitWebDriver.
//
// Each run uses its own temporary data folder (CONCORD_DATA_DIR), so it never touches a
// person's data; the `concord` command line fills its cache with a few synthetic customers.
// Needs an X display (the test command runs it under Xvfb), tauri-driver on PATH or in
// ~/.cargo/bin, and both binaries built, the desktop one with the front end embedded.

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
const screenshot = join(repo, "target/e2e/shell.png");
const driverPort = 4444;
// tauri-driver answers on its own port at once, but forwards every request to
// WebKitWebDriver on this one, which starts a moment later: a session asked for before
// then is dropped with a closed socket.
const nativeDriverPort = 4445;

let dataDir;
let customer;
let driver;
let browser;
let driverLog = "";

/** Runs the command line on the test's data folder and returns what it printed. */
function concord(...args) {
  const run = spawnSync(cli, [...args, "--data-dir", dataDir], { encoding: "utf8" });
  assert.equal(run.status, 0, `concord ${args.join(" ")} failed:\n${run.stderr}`);
  return run.stdout;
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
    // A small synthetic cache in the data folder, and one of its customers to look up.
    concord("bench", "lookup", "--customers", "40", "--samples", "1", "--cache-dir", dataDir);
    customer = JSON.parse(concord("show", "1", "--json"));

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
    assert.equal(await browser.$('[data-testid="sync-state"]').getText(), "Never synced");
    assert.equal(
      await browser.$('[data-testid="pending-pushes"]').getText(),
      "Nothing waiting to push",
    );
  });

  it("looks a customer up as the rep types and opens their account", async () => {
    const search = await browser.$('[data-testid="search"]');

    await search.setValue(customer.familyName);
    const hit = await browser.$(`button*=${customer.displayName}`);
    await hit.waitForExist({ timeout: 10_000, timeoutMsg: "lookup listed no such customer" });
    await hit.click();
    const name = await browser.$('[data-testid="customer-name"]');
    await name.waitForExist({ timeout: 10_000, timeoutMsg: "show never opened the account" });

    assert.equal(await name.getText(), customer.displayName, "the account pane shows them");
    assert.equal(await search.getValue(), customer.familyName, "what was typed stays typed");
    mkdirSync(dirname(screenshot), { recursive: true });
    await browser.saveScreenshot(screenshot);
    assert.ok(existsSync(screenshot), `screenshot saved to ${screenshot}`);
  });

  it("refuses a second instance on the same data folder, saying why", () => {
    const second = spawnSync(app, [], {
      env: { ...process.env, CONCORD_DATA_DIR: dataDir },
      encoding: "utf8",
      timeout: 20_000,
    });

    assert.notEqual(second.status, 0, "two windows on one cache could push a correction twice");
    assert.match(second.stderr, /already open for the data folder/);
  });

  it("writes its lifecycle to the log folder inside the data folder", () => {
    const logs = join(dataDir, "logs");
    const files = readdirSync(logs).filter((name) => name.endsWith(".log"));
    const text = files.map((name) => readFileSync(join(logs, name), "utf8")).join("");

    assert.match(text, /desktop starting/, "an operator can see when the app started");
    assert.doesNotMatch(text, /Robin Vega/, "the user's name stays out of info-level logs");
    assert.ok(!text.includes(customer.familyName), "what the rep typed stays out of them too");
  });
});
