import { describe, expect, it } from "vitest";

import { describePending, describeSync, describeUser } from "./status";

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
});
