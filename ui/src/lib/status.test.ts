import { describe, expect, it } from "vitest";

import type { SystemStatus } from "./ipc/SystemStatus";
import {
  describePending,
  describeSync,
  describeUser,
  reachability,
  trackProgress,
  type Progress,
} from "./status";

function system(over: Partial<SystemStatus>): SystemStatus {
  return {
    name: "vendure",
    kind: "vendure",
    url: null,
    embeddedSandbox: true,
    lastAttemptAt: null,
    lastSuccessAt: null,
    lastError: null,
    recordsPulled: 0,
    setAside: 0,
    streams: [],
    secret: { kind: "missing" },
    ...over,
  };
}

describe("status words", () => {
  it("says plainly that a fresh installation has never synced", () => {
    const words = describeSync({ state: "neverSynced" });

    expect(words).toBe("Never synced");
  });

  it("counts waiting pushes in words a rep reads at a glance", () => {
    const words = [0, 1, 7].map(describePending);

    expect(words, "zero, one and many read differently").toEqual([
      "Nothing waiting to push",
      "1 change waiting to push",
      "7 changes waiting to push",
    ]);
  });

  it("names the user with their role", () => {
    const status = { sync: { state: "neverSynced" as const }, pendingPushes: 0 };

    const words = describeUser({ ...status, user: "Dana Reyes", role: "supervisor" });

    expect(words).toBe("Dana Reyes · Supervisor");
  });

  it("calls a system offline only when its latest attempt failed", () => {
    const at = (minute: number) => `2026-12-03T10:0${minute}:00Z`;

    const states = [
      system({}),
      system({ lastAttemptAt: at(1), lastSuccessAt: at(1) }),
      system({ lastAttemptAt: at(2), lastSuccessAt: at(1), lastError: "connection refused" }),
      system({ lastAttemptAt: at(2), lastSuccessAt: null, lastError: "connection refused" }),
    ].map(reachability);

    expect(states).toEqual(["unknown", "online", "offline", "offline"]);
  });

  it("shows a stream's progress until it is done, and nothing after the sync ends", () => {
    const progress = (records: number, done = false) => ({
      kind: "syncProgress" as const,
      system: "vendure",
      stream: "customers",
      records,
      pages: 1,
      ratePerSec: 50,
      done,
    });
    let shown: Progress = new Map();

    shown = trackProgress(shown, progress(100));
    shown = trackProgress(shown, progress(200));
    const during = [...shown.values()].map((p) => p.records);
    shown = trackProgress(shown, progress(300, true));

    expect(during, "the latest count replaces the earlier one").toEqual([200]);
    expect(shown.size, "a finished stream leaves the bar").toBe(0);
  });
});
