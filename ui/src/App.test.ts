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
};

function fakeBackend(overrides: Partial<Backend> = {}): Backend {
  return {
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
    render(App, { backend: fakeBackend() });

    const search = screen.getByRole("searchbox", { name: "Find a customer" });

    expect(search, "a click before typing costs the first words of the call").toHaveFocus();
  });

  it("shows in the status bar what the backend reported", async () => {
    render(App, { backend: fakeBackend() });

    const user = await screen.findByTestId("user");

    expect(user).toHaveTextContent("Dana Reyes · Supervisor");
    expect(screen.getByTestId("sync-state")).toHaveTextContent("Never synced");
    expect(screen.getByTestId("pending-pushes")).toHaveTextContent("2 changes waiting to push");
  });

  it("says why the status is missing instead of showing stale or invented values", async () => {
    const failing = fakeBackend({
      appStatus: () => Promise.reject(new BackendError("internal", "the data folder is gone")),
    });

    render(App, { backend: failing });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Status unavailable: the data folder is gone");
    expect(screen.queryByTestId("user"), "no user is shown when none was reported").toBeNull();
  });

  it("keeps what the rep typed in the search box, quotes and operators included", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });

    await user.keyboard('O\'Brien "AND" *');

    expect(screen.getByRole("searchbox")).toHaveValue('O\'Brien "AND" *');
  });

  it("lists matches as the rep types, and opens the account that is clicked", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });

    await user.keyboard("555");
    const results = await screen.findByRole("navigation", { name: "Matching customers" });
    expect(within(results).getByText("Phone (555) 010-0142")).toBeInTheDocument();
    await user.click(within(results).getByRole("button", { name: /Ada Lovelace/ }));

    const name = await screen.findByTestId("customer-name");
    expect(name).toHaveTextContent("Ada Lovelace");
    expect(screen.getByText(/Wholesale/), "the account type is on screen").toBeInTheDocument();
    expect(screen.getByText("41"), "the web store's ID is shown").toBeInTheDocument();
  });

  it("opens the first match on Enter", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });

    await user.keyboard("555");
    await screen.findByRole("navigation", { name: "Matching customers" });
    await user.keyboard("{Enter}");

    expect(await screen.findByTestId("customer-name")).toHaveTextContent("Ada Lovelace");
  });

  it("says so when nothing matches, instead of an empty page", async () => {
    const user = userEvent.setup();
    render(App, { backend: fakeBackend() });

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
    render(App, { backend: slowFirst });

    await user.keyboard("55");
    answers[1]?.();
    answers[0]?.();

    await screen.findByRole("button", { name: /Ada Lovelace/ });
    const stale = screen.queryByText("Stale Answer");
    expect(stale, "the list shows the answer to the latest text").toBeNull();
  });

  it("says a customer is gone when the backend no longer has them", async () => {
    const user = userEvent.setup();
    const gone = fakeBackend({
      show: () => Promise.reject(new BackendError("notFound", "no customer 7")),
    });
    render(App, { backend: gone });

    await user.keyboard("555");
    await user.click(await screen.findByRole("button", { name: /Ada Lovelace/ }));

    expect(await screen.findByText("This customer is no longer here")).toBeInTheDocument();
  });
});
