import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { createFakeBackend } from "../fake-backend";
import ReviewQueue from "./ReviewQueue.svelte";

function cells(row: HTMLElement): string[] {
  return within(row)
    .getAllByRole("cell")
    .map((cell) => cell.textContent?.trim() ?? "");
}

function supervisorQueue() {
  const backend = createFakeBackend();
  render(ReviewQueue, { backend, role: "supervisor" });
  return backend;
}

describe("the review queue", () => {
  it("shows an uncertain match side by side with each field's weight in bits", async () => {
    supervisorQueue();

    const match = await screen.findByTestId("match-view");

    const table = within(match).getByRole("table");
    expect(within(table).getByRole("columnheader", { name: "Web store 41" })).toBeInTheDocument();
    expect(within(table).getByRole("columnheader", { name: "ERP P-0007" })).toBeInTheDocument();
    const postcode = within(table).getByRole("rowheader", { name: "Postcode" }).closest("tr")!;
    expect(cells(postcode), "a field against the match shows its negative weight").toEqual([
      "97201",
      "97301",
      "Different",
      "-2.4",
    ]);
    expect(within(match).getByTestId("probability")).toHaveTextContent("95 %");
  });

  it("draws each field's contribution as a bar: right for the match, left against it", async () => {
    supervisorQueue();

    const chart = await screen.findByTestId("evidence-chart");

    const bars = [...chart.querySelectorAll("rect")].map((bar) => ({
      bits: Number(bar.getAttribute("data-bits")),
      against: bar.classList.contains("against"),
      width: Number(bar.getAttribute("width")),
    }));
    expect(bars.map((b) => b.bits), "the prior first, then every field").toEqual([
      -9.2, 6.1, 9.8, -2.4,
    ]);
    expect(bars.map((b) => b.against)).toEqual([true, false, false, true]);
    expect(bars[2]!.width, "the strongest field has the longest bar").toBeGreaterThan(
      bars[1]!.width,
    );
  });

  it("decides with one key and undoes with another", async () => {
    const user = userEvent.setup();
    supervisorQueue();
    await screen.findByTestId("match-view");

    await user.keyboard("l");
    const done = await screen.findByTestId("review-done");
    expect(done).toHaveTextContent("Decided: Same customer: link.");
    await user.keyboard("u");

    expect(await screen.findByText(/Undone: the item is open again/)).toBeInTheDocument();
    expect(screen.getByTestId("decide-link"), "the item can be decided again").toBeEnabled();
  });

  it("moves through the queue with the arrow keys and shows a disagreement's values and times", async () => {
    const user = userEvent.setup();
    supervisorQueue();
    await screen.findByTestId("match-view");

    await user.keyboard("{ArrowDown}");

    const view = await screen.findByTestId("disagreement-view");
    expect(within(view).getByTestId("value-tryton")).toHaveTextContent("B");
    expect(within(view).getByTestId("value-vendure")).toHaveTextContent("A");
    expect(within(view).getByRole("rowheader", { name: /ERP P-0007/ })).toHaveTextContent(
      /shown now, it owns this field/,
    );
    expect(screen.getByTestId("decide-pick")).toHaveAccessibleName(
      "Show the other system's value P",
    );
  });

  it("shows colliding edits as the value before both and each change", async () => {
    const user = userEvent.setup();
    supervisorQueue();
    await screen.findByTestId("match-view");

    await user.keyboard("{ArrowUp}");

    const view = await screen.findByTestId("collision-view");
    const row = within(view).getByRole("rowheader", { name: "Line1" }).closest("tr")!;
    expect(cells(row), "before both, this change, the other change").toEqual([
      "1 Navy Way",
      "1 NAVY WAY STE 2",
      "10 Navy Way",
    ]);
  });

  it("shows a rep the items and their evidence, without the decisions", async () => {
    const user = userEvent.setup();
    render(ReviewQueue, { backend: createFakeBackend(), role: "rep" });
    await screen.findByTestId("match-view");

    await user.keyboard("l");

    expect(screen.getByTestId("rep-note")).toBeInTheDocument();
    expect(screen.queryByTestId("review-actions"), "no decision buttons for a rep").toBeNull();
    expect(screen.queryByTestId("review-done"), "and no key decides either").toBeNull();
  });

  it("lists only one customer's items when asked", async () => {
    render(ReviewQueue, { backend: createFakeBackend(), role: "rep", customerId: 2 });

    const items = await screen.findByTestId("review-items");

    expect(within(items).getAllByRole("option")).toHaveLength(1);
    expect(within(items).getByRole("option")).toHaveTextContent("Grace Hopper");
  });
});
