// End-to-end: a correction made while both systems are unreachable waits in the outbox and
// is pushed, and confirmed, once they are back. The systems are a sandbox served by
// `concord sandbox serve` on fixed loopback ports, connected as real systems would be; the
// test stops it to go offline and starts it again, with the same people, to come back.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import {
  cli,
  concord,
  correctKeepingTyped,
  makeDataDir,
  openByPhone,
  pickCaller,
  removeDataDir,
  shoot,
  startDesktop,
  waitConfirmed,
  waitForPort,
} from "./harness.mjs";

let dataDir;
let sandboxDir;
let sandbox;
let ports;
let desktop;
let browser;
let caller;
let targets;

function freePort() {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Serves the sandbox on the same ports and population each time. */
async function startSandbox() {
  sandbox = spawn(cli, [
    "sandbox", "serve", "--customers", "200", "--seed", "1",
    "--tryton-port", String(ports.tryton), "--vendure-port", String(ports.vendure),
    "--data-dir", sandboxDir,
  ], { stdio: "ignore" });
  await waitForPort(ports.tryton, 20_000);
  await waitForPort(ports.vendure, 20_000);
}

async function stopSandbox() {
  const stopped = new Promise((done) => sandbox.once("exit", done));
  sandbox.kill("SIGINT");
  await stopped;
  sandbox = null;
}

describe("a correction made offline", () => {
  before(async () => {
    ports = { tryton: await freePort(), vendure: await freePort() };
    sandboxDir = mkdtempSync(join(tmpdir(), "concord-e2e-sandbox-"));
    await startSandbox();
    dataDir = makeDataDir("Sam Okafor", "rep");
    concord(dataDir, [
      "connect", "--kind", "tryton", "--url", `http://127.0.0.1:${ports.tryton}/`,
      "--database", "concord", "--login", "admin", "--password-stdin",
    ], "concord-sandbox-Pw7\n");
    concord(dataDir, [
      "connect", "--kind", "vendure", "--url", `http://127.0.0.1:${ports.vendure}/admin-api`,
      "--login", "superadmin", "--password-stdin",
    ], "sandbox-superadmin\n");
    desktop = await startDesktop(dataDir, 4454);
    browser = desktop.browser;
  });

  after(async () => {
    await desktop?.stop();
    if (sandbox) await stopSandbox();
    removeDataDir(dataDir);
    removeDataDir(sandboxDir);
  });

  it("waits in the outbox while the systems are unreachable", async () => {
    caller = await pickCaller(dataDir);
    await stopSandbox();
    await openByPhone(browser, caller);

    ({ targets } = await correctKeepingTyped(browser, caller));
    await browser.pause(5_000);

    for (const system of targets) {
      const state = await browser.$(`[data-testid="push-state-${system}"]`).getText();
      assert.match(state, /waiting to be sent/, `${system}: nothing can confirm while offline`);
    }
    const pending = await browser.$('[data-testid="pending-pushes"]');
    await browser.waitUntil(async () => /^\d+ changes? waiting to push$/.test(await pending.getText()), {
      timeout: 10_000,
      timeoutMsg: "the status bar never said a change waits",
    });
    // TODO(status): assert that the status bar says "offline" here too; it reads
    // reachability from the sync status, and a sync against stopped systems retries before
    // it records the failure, which took longer than 30 s in some runs of this journey.
    await shoot(browser, "offline-correction-waiting");
  });

  it("is pushed and confirmed once the systems are back", async () => {
    await startSandbox();

    await waitConfirmed(browser, targets, 60_000, "offline-correction-not-pushed");

    const pending = await browser.$('[data-testid="pending-pushes"]');
    await browser.waitUntil(async () => (await pending.getText()) === "Nothing waiting to push", {
      timeout: 30_000,
      timeoutMsg: "the status bar still counts the pushed change",
    });
    const erp = await browser.$('[data-testid="system-tryton"]');
    await browser.waitUntil(async () => /online/.test(await erp.getText()), {
      timeout: 30_000,
      timeoutMsg: "the status bar never said the ERP is back",
    });
    await shoot(browser, "offline-correction-pushed");
  });
});
