// What every desktop journey needs: the binaries, a data folder of its own, the desktop app
// started through tauri-driver and WebKitWebDriver, the command line on the same folder as
// the test's eyes, screenshots under target/e2e/, and a customer to call about.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

import { remote } from "webdriverio";

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const app = process.env.CONCORD_E2E_APP ?? join(repo, "target/debug/concord-desktop");
export const cli = process.env.CONCORD_E2E_CLI ?? join(dirname(app), "concord");
const shots = join(repo, "target/e2e");

export const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

/** A data folder for one journey, with the user it runs as. */
export function makeDataDir(name, role) {
  assert.ok(existsSync(app), `the desktop binary must be built first: ${app}`);
  assert.ok(existsSync(cli), `the command line must be built first: ${cli}`);
  const dataDir = mkdtempSync(join(tmpdir(), "concord-e2e-"));
  writeFileSync(join(dataDir, "config.toml"), `[user]\nname = "${name}"\nrole = "${role}"\n`);
  return dataDir;
}

export function removeDataDir(dataDir) {
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

/** Runs the command line on `dataDir` and returns what it printed. */
export function concord(dataDir, args, input) {
  const run = spawnSync(cli, [...args, "--data-dir", dataDir], {
    encoding: "utf8",
    timeout: 30_000,
    input,
  });
  assert.equal(run.status, 0, `concord ${args.join(" ")} failed:\n${run.stderr}`);
  return run.stdout;
}

export async function shoot(browser, name) {
  mkdirSync(shots, { recursive: true });
  const path = join(shots, `${name}.png`);
  await browser.saveScreenshot(path);
  assert.ok(existsSync(path), `screenshot saved to ${path}`);
}

function findTauriDriver() {
  const inCargoHome = join(process.env.CARGO_HOME ?? join(homedir(), ".cargo"), "bin/tauri-driver");
  return existsSync(inCargoHome) ? inCargoHome : "tauri-driver";
}

export async function waitForPort(port, timeoutMs, log = () => "") {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const open = await new Promise((done) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => done(socket.end() && true));
      socket.once("error", () => done(false));
    });
    if (open) return;
    await sleep(100);
  }
  throw new Error(`nothing listened on ${port} within ${timeoutMs} ms:\n${log()}`);
}

/**
 * Starts the desktop app on `dataDir` through tauri-driver on `driverPort`. tauri-driver
 * answers on its own port at once, but forwards every request to WebKitWebDriver on the
 * next port, which starts a moment later: a session asked for before then is dropped.
 */
export async function startDesktop(dataDir, driverPort) {
  const nativePort = driverPort + 1;
  let log = "";
  const driver = spawn(findTauriDriver(), [
    "--port", String(driverPort), "--native-port", String(nativePort),
  ], {
    env: {
      ...process.env,
      CONCORD_DATA_DIR: dataDir,
      // Under Xvfb, WebKitGTK's compositing mode leaves snapshots showing the first paint;
      // without it the screenshot shows the window as it is.
      WEBKIT_DISABLE_COMPOSITING_MODE: process.env.WEBKIT_DISABLE_COMPOSITING_MODE ?? "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stopping it stops the WebKitWebDriver it starts as well: a
    // driver left running holds our pipes open and the test process never exits.
    detached: true,
  });
  driver.stdout.on("data", (chunk) => (log += chunk));
  driver.stderr.on("data", (chunk) => (log += chunk));
  await waitForPort(driverPort, 15_000, () => log);
  await waitForPort(nativePort, 15_000, () => log);

  const browser = await remote({
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
  return {
    browser,
    log: () => log,
    async stop() {
      await browser.deleteSession().catch(() => {});
      try {
        process.kill(-driver.pid, "SIGTERM");
      } catch {
        // Already gone.
      }
      driver.stdout.destroy();
      driver.stderr.destroy();
      driver.unref();
    },
  };
}

/**
 * Waits for the desktop app's first sync, then picks a customer both systems know, with a
 * US address and a phone number that finds them first.
 */
export async function pickCaller(dataDir) {
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
      const hits = JSON.parse(concord(dataDir, ["lookup", phone.display, "--json"])).hits;
      if (hits[0]?.customerId === id) return { view, phone, address };
    }
    await sleep(2_000);
  }
  throw new Error("the first sync never gave a customer to look up");
}

/** Looks the caller up by phone and opens their account with Enter. */
export async function openByPhone(browser, caller) {
  const search = await browser.$('[data-testid="search"]');
  await search.setValue(caller.phone.display);
  const option = await browser.$(`li[role="option"]*=${caller.view.displayName}`);
  await option.waitForExist({ timeout: 10_000, timeoutMsg: "lookup listed no such customer" });
  await browser.keys("Enter");
  const name = await browser.$('[data-testid="customer-name"]');
  await name.waitForExist({ timeout: 10_000, timeoutMsg: "Enter never opened the account" });
  return { search, name };
}

/**
 * Corrects the caller's address to the street as typed (lower case, as a caller might read
 * it), keeps that variant with a reason, and saves. Returns the systems it goes to.
 */
export async function correctKeepingTyped(browser, caller, shot) {
  const correct = await browser.$(`button[aria-label="Correct this address: ${caller.address.line1}"]`);
  await correct.waitForClickable({ timeout: 10_000 });
  await correct.click();
  const line1 = await browser.$('[data-testid="field-line1"]');
  await line1.waitForExist({ timeout: 10_000, timeoutMsg: "the country's form never showed" });
  const typed = caller.address.line1.toLowerCase();

  await line1.setValue(typed);
  await browser.$('[data-testid="check-address"]').click();
  await browser.$('[data-testid="suggestion"]').waitForExist({ timeout: 10_000 });
  if (shot) await shoot(browser, shot);
  await browser.$('[data-testid="keep-as-entered"]').click();
  const reason = await browser.$('[data-testid="keep-reason"]');
  await reason.waitForExist({ timeout: 10_000 });
  await reason.setValue("The caller asked for it written the way they write it");
  const save = await browser.$('[data-testid="save-correction"]');
  await save.waitForEnabled({ timeout: 10_000, timeoutMsg: "the preview never settled" });
  await save.click();
  await browser.$('[data-testid="correction-state"]').waitForExist({ timeout: 10_000 });

  // An address lives in the system that holds it; the preview says which systems the
  // correction goes to, and each of those must confirm.
  const targets = [];
  for (const system of ["tryton", "vendure"]) {
    const row = await browser.$(`[data-testid="push-${system}"]`);
    if (!(await row.getText()).includes("nothing sent")) targets.push(system);
  }
  assert.ok(targets.length > 0, "a correction that changes something goes to a system");
  return { typed, targets };
}

/** Waits until each target system shows its push confirmed. */
export async function waitConfirmed(browser, targets, timeout, failShot) {
  for (const system of targets) {
    const state = await browser.$(`[data-testid="push-state-${system}"]`);
    let last = "";
    try {
      await browser.waitUntil(
        async () => (last = await state.getText().catch(() => "")) === "confirmed",
        { timeout },
      );
    } catch {
      await shoot(browser, failShot);
      assert.fail(`${system} never confirmed the correction; it says "${last}"`);
    }
  }
}
