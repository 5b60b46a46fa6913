import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import App from "./App.svelte";
import {
  BackendError,
  type AppStatus,
  type Backend,
  type CustomerView,
  type LookupHit,
} from "./lib/backend";
import { createFakeBackend } from "./lib/fake-backend";

const dana: AppStatus = {
  sync: { state: "neverSynced" },
  pendingPushes: 2,
  user: "Dana Reyes",
  role: "supervisor",
};

const hit: LookupHit = {
  customerId: 7,
  displayName: "Ada Lovelace",
  company: "Analytical Engines Ltd",
  matchedField: "phone",
  quality: "exact",
  matchedValue: "(555) 010-0142",
};

const ada: CustomerView = {
  customerId: 7,
  displayName: "Ada Lovelace",
  title: null,
  givenName: "Ada",
  familyName: "Lovelace",
  suffix: null,
  account: {
    customerType: "wholesale",
    taxCertificateNumber: null,
    taxCertificateExpiry: null,
    priceLevel: "B",
    pricingModel: null,
    creditTerms: null,
    company: "Analytical Engines Ltd",
    jobTitle: null,
    sex: null,
    birthDate: null,
  },
  contacts: [],
  addresses: [],
  orders: [],
  sourceRecords: [
    {
      system: "vendure",
      systemId: "41",
      version: null,
      fetchedAt: "2026-12-01T10:00:00Z",
      rawPayload: "{}",
      normalized: {},
    },
  ],
  provenance: [],
};

function fakeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
    ...createFakeBackend({ customers: [ada] }),
    appStatus: () => Promise.resolve(dana),
    lookup: (query) => Promise.resolve({ hits: query.includes("555") ? [hit] : [] }),
    show: (id) =>
      id === ada.customerId
        ? Promise.resolve(ada)
        : Promise.reject(new BackendError("notFound", `no customer ${id}`)),
    ...overrides,
  };
}

describe("the window", () => {
  it("has the search box focused on start, so the rep can type at once", () => {
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    const search = screen.getByRole("combobox", { name: "Find a customer" });

    expect(search, "a click before typing costs the first words of the call").toHaveFocus();
  });

  it("shows in the status bar what the backend reported", async () => {
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    const user = await screen.findByTestId("user");

    expect(user).toHaveTextContent("Dana Reyes · Supervisor");
    expect(screen.getByTestId("sync-state")).toHaveTextContent("Never synced");
    expect(screen.getByTestId("pending-pushes")).toHaveTextContent("2 changes waiting to push");
  });

  it("says why the status is missing instead of showing stale or invented values", async () => {
    const failing = fakeBackend({
      appStatus: () => Promise.reject(new BackendError("internal", "the data folder is gone")),
    });

    render(App, { backend: failing, lookupDelayMs: 0 });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Status unavailable: the data folder is gone");
    expect(screen.queryByTestId("user"), "no user is shown when none was reported").toBeNull();
  });

  it("keeps what the rep typed in the search box, quotes and operators included", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    await user.keyboard('O\'Brien "AND" *');

    expect(screen.getByRole("combobox")).toHaveValue('O\'Brien "AND" *');
  });

  it("lists matches as the rep types, and opens the account that is clicked", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    await user.keyboard("555");
    const results = await screen.findByRole("listbox", { name: "Matching customers" });
    expect(within(results).getByRole("option")).toHaveTextContent("Phone (555) 010-0142");
    await user.click(within(results).getByRole("option", { name: /Ada Lovelace/ }));

    const name = await screen.findByTestId("customer-name");
    expect(name).toHaveTextContent("Ada Lovelace");
    expect(screen.getByText(/Wholesale/), "the account type is on screen").toBeInTheDocument();
    expect(screen.getByText("41"), "the web store's ID is shown").toBeInTheDocument();
  });

  it("opens the first match on Enter", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    await user.keyboard("555");
    await screen.findByRole("listbox", { name: "Matching customers" });
    await user.keyboard("{Enter}");

    expect(await screen.findByTestId("customer-name")).toHaveTextContent("Ada Lovelace");
  });

  it("says so when nothing matches, instead of an empty page", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    await user.keyboard("Zyx");

    expect(await screen.findByTestId("no-matches")).toBeInTheDocument();
  });

  it("drops an answer that arrives after the rep typed on", async () => {
    const answers: Array<() => void> = [];
    const slowFirst = fakeBackend({
      lookup: (query) =>
        new Promise((resolve) => {
          const hits = query === "5" ? [{ ...hit, displayName: "Stale Answer" }] : [hit];
          answers.push(() => resolve({ hits }));
        }),
    });
    const user = userEvent.setup();
    render(App, { backend: slowFirst, lookupDelayMs: 0 });

    await user.keyboard("55");
    answers[1]?.();
    answers[0]?.();

    await screen.findByRole("option", { name: /Ada Lovelace/ });
    const stale = screen.queryByText("Stale Answer");
    expect(stale, "the list shows the answer to the latest text").toBeNull();
  });

  it("says a customer is gone when the backend no longer has them", async () => {
    const user = userEvent.setup();
    const gone = fakeBackend({
      show: () => Promise.reject(new BackendError("notFound", "no customer 7")),
    });
    render(App, { backend: gone, lookupDelayMs: 0 });

    await user.keyboard("555");
    await user.click(await screen.findByRole("option", { name: /Ada Lovelace/ }));

    expect(await screen.findByText("This customer is no longer here")).toBeInTheDocument();
  });

  it("moves through the matches with the arrow keys and opens the marked one on Enter", async () => {
    const grace: LookupHit = { ...hit, customerId: 8, displayName: "Grace Hopper" };
    const two = fakeBackend({
      lookup: () => Promise.resolve({ hits: [hit, grace] }),
      show: (id) => Promise.resolve({ ...ada, customerId: id, displayName: `Customer ${id}` }),
    });
    const user = userEvent.setup();
    render(App, { backend: two, lookupDelayMs: 0 });

    await user.keyboard("555");
    await screen.findByRole("listbox");
    await user.keyboard("{ArrowDown}");
    const search = screen.getByRole("combobox");
    const marked = screen.getByRole("option", { selected: true });
    await user.keyboard("{Enter}");

    expect(marked, "the second match is marked after one step down").toHaveTextContent("Grace");
    expect(search, "the focus stays in the box, so typing goes on").toHaveFocus();
    expect(search).toHaveAttribute("aria-activedescendant", marked.id);
    expect(await screen.findByTestId("customer-name")).toHaveTextContent("Customer 8");
  });

  it("marks the part of the matched value that answers what was typed", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });

    await user.keyboard("555 010");

    const option = await screen.findByRole("option");
    const marks = option.querySelectorAll("mark");
    expect([...marks].map((m) => m.textContent)).toEqual(["555) 010"]);
  });

  it("brings the focus back to the search box on Ctrl+K", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend(), lookupDelayMs: 0 });
    await user.keyboard("555");
    await user.click(await screen.findByRole("option", { name: /Ada Lovelace/ }));
    await screen.findByTestId("customer-name");
    expect(screen.getByRole("combobox")).not.toHaveFocus();

    await user.keyboard("{Control>}k{/Control}");

    expect(screen.getByRole("combobox"), "a new caller starts with Ctrl+K").toHaveFocus();
  });

  it("looks up what a screen pop asked for, at start and while open", async () => {
    const backend = createFakeBackend({ customers: [ada], screenPop: "+1 555 010 0142" });
    render(App, { backend, lookupDelayMs: 0 });

    expect(await screen.findByRole("combobox")).toHaveValue("+1 555 010 0142");
    backend.emit({ kind: "screenPop", query: "lovelace" });

    await screen.findByDisplayValue("lovelace");
    expect(await screen.findByRole("option", { name: /Ada Lovelace/ })).toBeInTheDocument();
  });
});
