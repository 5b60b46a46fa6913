import { describe, expect, it } from "vitest";

import { diffWords } from "./diff";

describe("word differences", () => {
  it("shows a standardized street as the words it replaced and the words it added", () => {
    const parts = diffWords("12 harbor street suite 4", "12 HARBOR ST STE 4");

    expect(parts).toEqual([
      { text: "12", kind: "same" },
      { text: "harbor street suite", kind: "removed" },
      { text: "HARBOR ST STE", kind: "added" },
      { text: "4", kind: "same" },
    ]);
  });

  it("reports nothing changed when the suggestion is what was typed", () => {
    const parts = diffWords("12 HARBOR ST", "12  HARBOR ST");

    expect(parts.every((p) => p.kind === "same"), "spacing alone is no change").toBe(true);
  });

  it("handles an empty side", () => {
    expect(diffWords("", "STE 4")).toEqual([{ text: "STE 4", kind: "added" }]);
    expect(diffWords("Apt 4", "")).toEqual([{ text: "Apt 4", kind: "removed" }]);
  });
});
