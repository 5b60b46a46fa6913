import { describe, expect, it } from "vitest";

import { describeProbability } from "./review";

describe("describeProbability", () => {
  it("never rounds a near-certain match up to 100 %", () => {
    expect(describeProbability(0.99996)).toBe("over 99.9 %");
    expect(describeProbability(0.9996)).toBe("over 99.9 %");
  });

  it("keeps a decimal where rounding would hide the doubt", () => {
    expect(describeProbability(0.9962)).toBe("99.6 %");
  });

  it("rounds the rest to whole percent", () => {
    expect(describeProbability(0.95)).toBe("95 %");
    expect(describeProbability(0.312)).toBe("31 %");
  });
});
