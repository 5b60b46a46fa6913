// End-to-end: the real debug desktop binary, driven through tauri-driver and WebKitWebDriver,
// walking the journeys of a rep and a supervisor against the embedded sandbox (the desktop
// app syncs from it when no system is configured, and pushes corrections back to it).
//
// The run uses its own temporary data folder (CONCORD_DATA_DIR), so it never touches a
// person's data; the `concord` command line reads the same cache to pick a customer, as the
// test's eyes. Needs an X display (the test command runs it under Xvfb), tauri-driver on PATH
// or in ~/.cargo/bin, and both binaries built, the desktop one with the front end embedded.
// Each journey saves a screenshot under target/e2e/.

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";

import {
  app,
  concord,
  correctKeepingTyped,
  makeDataDir,
  openByPhone,
  pickCaller,
  removeDataDir,
  shoot,
  startDesktop,
  waitConfirmed,
} from "./harness.mjs";

let dataDir;
let desktop;
let browser;
let caller;

describe("the desktop app on the embedded sandbox", () => {
  before(async () => {
    dataDir = makeDataDir("Robin Vega", "supervisor");
    desktop = await startDesktop(dataDir, 4444);
    browser = desktop.browser;
  });

  after(async () => {
    await desktop?.stop();
    removeDataDir(dataDir);
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
    caller = await pickCaller(dataDir);

    const { search, name } = await openByPhone(browser, caller);

    assert.equal(await name.getText(), caller.view.displayName, "Enter opens the top match");
    assert.equal(await search.getValue(), caller.phone.display, "what was typed stays typed");
    const ids = await browser.$('[data-testid="system-ids"]').getText();
    assert.match(ids, /Tryton ID/, "the ERP's ID is in the header");
    assert.match(ids, /Vendure ID/, "and the web store's");
    await shoot(browser, "lookup-by-phone");
  });

  it("corrects an address, keeps the typed variant with a reason, and sees the systems confirm", async () => {
    const { typed, targets } = await correctKeepingTyped(browser, caller, "correction-suggestion");

    await waitConfirmed(browser, targets, 60_000, "correction-not-confirmed");

    await shoot(browser, "correction-confirmed");
    const account = JSON.parse(concord(dataDir, ["show", String(caller.view.customerId), "--json"]));
    assert.ok(
      account.addresses.some((a) => a.line1 === typed),
      "the typed variant is what the account now holds, not the standardized one",
    );
  });

  it("lets a supervisor decide an uncertain match and undo it", async () => {
    await browser.$('[data-testid="open-review"]').click();
    const match = await browser.$('li[role="option"]*=Uncertain match');
    await match.waitForExist({ timeout: 20_000, timeoutMsg: "no uncertain match in the queue" });

    await match.click();
    await browser.$('[data-testid="match-view"]').waitForExist({ timeout: 10_000 });
    await browser.$('[data-testid="evidence-chart"]').waitForExist();
    await shoot(browser, "review-uncertain-match");
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

    await shoot(browser, "review-undone");
    const open = concord(dataDir, ["review", "list"]);
    assert.ok(open.includes(headline.replace(/ \(.*$/, "")), "the item is open again");
  });

  it("hands a screen pop from a second start to the open window, which looks it up", async () => {
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
    const option = await browser.$(`li[role="option"]*=${caller.view.displayName}`);
    await option.waitForExist({ timeout: 10_000, timeoutMsg: "the screen pop found nobody" });
    await shoot(browser, "screen-pop");
  });

  it("writes its lifecycle to the log folder inside the data folder", () => {
    const logs = join(dataDir, "logs");
    const files = readdirSync(logs).filter((name) => name.endsWith(".log"));
    const text = files.map((name) => readFileSync(join(logs, name), "utf8")).join("");

    assert.match(text, /desktop starting/, "an operator can see when the app started");
    assert.doesNotMatch(text, /Robin Vega/, "the user's name stays out of info-level logs");
    assert.ok(!text.includes(caller.view.familyName), "what the rep typed stays out of them");
    assert.ok(!text.includes(caller.phone.e164), "and so do the numbers screen pops carry");
  });
});
