import { render, screen } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import App from "./App.svelte";
import { BackendError, type AppStatus, type Backend } from "./lib/backend";

function backendAnswering(status: AppStatus): Backend {
  return { appStatus: () => Promise.resolve(status) };
}

const dana: AppStatus = {
  sync: { state: "neverSynced" },
  pendingPushes: 2,
  user: "Dana Reyes",
  role: "supervisor",
};

describe("the window", () => {
  it("has the search box focused on start, so the rep can type at once", () => {
    render(App, { backend: backendAnswering(dana) });

    const search = screen.getByRole("searchbox", { name: "Find a customer" });

    expect(search, "a click before typing costs the first words of the call").toHaveFocus();
  });

  it("shows in the status bar what the backend reported", async () => {
    render(App, { backend: backendAnswering(dana) });

    const user = await screen.findByTestId("user");

    expect(user).toHaveTextContent("Dana Reyes · Supervisor");
    expect(screen.getByTestId("sync-state")).toHaveTextContent("Never synced");
    expect(screen.getByTestId("pending-pushes")).toHaveTextContent("2 changes waiting to push");
  });

  it("says why the status is missing instead of showing stale or invented values", async () => {
    const failing: Backend = {
      appStatus: () => Promise.reject(new BackendError("internal", "the data folder is gone")),
    };

    render(App, { backend: failing });

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Status unavailable: the data folder is gone");
    expect(screen.queryByTestId("user"), "no user is shown when none was reported").toBeNull();
  });

  it("keeps what the rep typed in the search box", async () => {
    const user = userEvent.setup();
    render(App, { backend: backendAnswering(dana) });

    await user.keyboard('O\'Brien "AND" *');

    expect(screen.getByRole("searchbox")).toHaveValue('O\'Brien "AND" *');
  });
});
