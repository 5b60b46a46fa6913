import { describe, expect, it } from "vitest";

import { describeMatch, formatMoney, humanize } from "./format";

describe("account pane words", () => {
  it("says which field matched, and marks a close spelling", () => {
    const base = { customerId: 1, displayName: "Ann Roberts", company: null };

    const exact = describeMatch({
      ...base,
      matchedField: "orderNumber",
      quality: "exact",
      matchedValue: "SO-1042",
    });
    const typo = describeMatch({
      ...base,
      matchedField: "name",
      quality: "typo",
      matchedValue: "Roberts",
    });

    expect(exact).toBe("Order SO-1042");
    expect(typo, "a rep must know the match is not exact").toBe("Name Roberts (close spelling)");
  });

  it("shows money from minor units", () => {
    const text = formatMoney(123456, "USD");

    expect(text, "1234.56 dollars, whatever the locale's separators").toMatch(/1.?234.56/);
  });

  it("still shows an amount in a currency it does not know", () => {
    const text = formatMoney(500, "XQQ1");

    expect(text).toBe("5.00 XQQ1");
  });

  it("turns codes into words", () => {
    const words = ["tax_exempt", "phone-order", "web"].map(humanize);

    expect(words).toEqual(["Tax exempt", "Phone order", "Web"]);
  });
});
