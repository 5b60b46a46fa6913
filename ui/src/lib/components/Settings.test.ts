import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";

import type { AppStatus, ConfiguredSystem, SystemStatus } from "../backend";
import { createFakeBackend, FAKE_PASSWORD } from "../fake-backend";
import Settings from "./Settings.svelte";

const REP: AppStatus = {
  sync: { state: "neverSynced" },
  pendingPushes: 0,
  user: "Sam Okafor",
  role: "rep",
};

const ERP_ONLY: ConfiguredSystem[] = [
  {
    name: "erp",
    kind: "tryton",
    url: "https://erp.example.com/",
    database: "shop",
    login: "concord",
    secret: { kind: "keyring" },
  },
];

async function rows() {
  const table = await screen.findByTestId("systems");
  return within(table).queryAllByTestId("system-row");
}

describe("settings", () => {
  it("shows the user, each configured system and the cache's location and size", async () => {
    render(Settings, { backend: createFakeBackend() });

    expect(await screen.findByTestId("settings-user")).toHaveTextContent(
      "Dana Reyes, Supervisor",
    );
    const names = (await rows()).map((r) => within(r).getByRole("rowheader").textContent);
    expect(names).toEqual(["erp (tryton)", "web store (vendure)"]);
    const cache = screen.getByTestId("cache");
    expect(cache).toHaveTextContent("/home/dana/.local/share/concord/cache.sqlite");
    expect(cache, "48,562,176 bytes in binary megabytes").toHaveTextContent("46.3 MB");
  });

  it("tests a system's login and says how it went", async () => {
    const user = userEvent.setup();
    const missing: ConfiguredSystem = { ...ERP_ONLY[0]!, secret: { kind: "missing" } };
    const shop: ConfiguredSystem = {
      ...ERP_ONLY[0]!,
      name: "web store",
      kind: "vendure",
      url: "https://shop.example.com/admin-api",
      database: null,
    };
    render(Settings, { backend: createFakeBackend({ configured: [missing, shop] }) });

    await user.click(await screen.findByRole("button", { name: "Test erp" }));
    await user.click(screen.getByRole("button", { name: "Test web store" }));

    const [erp, store] = (await rows()).map((r) => within(r).getByTestId("test-result"));
    expect(erp).toHaveTextContent("Cannot connect: no password is stored");
    expect(store).toHaveTextContent(
      "Connected: logged in to https://shop.example.com/admin-api as concord",
    );
  });

  it("removes a system only once the removal is confirmed, and Keep it changes nothing", async () => {
    const user = userEvent.setup();
    const backend = createFakeBackend();
    const removeSystem = vi.spyOn(backend, "removeSystem");
    render(Settings, { backend });

    await user.click(await screen.findByRole("button", { name: "Remove erp" }));
    const keep = screen.getByRole("button", { name: "Keep it" });
    expect(keep, "focus moves into the question").toHaveFocus();
    await user.click(keep);
    expect(removeSystem).not.toHaveBeenCalled();
    expect(await rows()).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Remove erp" }), "focus goes back").toHaveFocus();

    await user.keyboard("{Enter}");
    expect(screen.getByTestId("confirm-remove"), "the keyboard asks too").toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Yes, remove erp" }));

    expect(removeSystem).toHaveBeenCalledWith("erp");
    const left = (await rows()).map((r) => within(r).getByRole("rowheader").textContent);
    expect(left).toEqual(["web store (vendure)"]);
    expect(screen.getByTestId("restart-needed")).toBeInTheDocument();
  });

  it("Escape leaves the removal question without removing", async () => {
    const user = userEvent.setup();
    const backend = createFakeBackend();
    const removeSystem = vi.spyOn(backend, "removeSystem");
    render(Settings, { backend });

    await user.click(await screen.findByRole("button", { name: "Remove erp" }));
    await user.keyboard("{Escape}");

    expect(screen.queryByTestId("confirm-remove")).not.toBeInTheDocument();
    expect(removeSystem).not.toHaveBeenCalled();
  });

  it("adds a system from the form, the password sent once and not kept", async () => {
    const user = userEvent.setup();
    const backend = createFakeBackend({ configured: ERP_ONLY });
    const addSystem = vi.spyOn(backend, "addSystem");
    render(Settings, { backend });
    const form = await screen.findByTestId("add-system");

    await user.selectOptions(within(form).getByLabelText("Kind"), "vendure");
    expect(within(form).queryByLabelText("Database"), "only Tryton has one").toBeNull();
    await user.type(within(form).getByLabelText("Name"), "web store");
    await user.type(within(form).getByLabelText("URL"), "https://shop.example.com/admin-api");
    await user.type(within(form).getByLabelText("Login"), "superadmin");
    await user.type(within(form).getByLabelText("Password"), FAKE_PASSWORD);
    await user.click(within(form).getByRole("button", { name: "Log in and add" }));

    expect(addSystem).toHaveBeenCalledWith(
      {
        kind: "vendure",
        name: "web store",
        url: "https://shop.example.com/admin-api",
        database: null,
        login: "superadmin",
      },
      FAKE_PASSWORD,
    );
    expect(await within(form).findByText("Added web store.")).toBeInTheDocument();
    expect(within(form).getByLabelText("Password")).toHaveValue("");
    expect(within(form).getByLabelText("Name"), "the form is ready for the next").toHaveValue("");
    const after = await rows();
    expect(after.map((r) => within(r).getByRole("rowheader").textContent)).toEqual([
      "erp (tryton)",
      "web store (vendure)",
    ]);
    expect(after[1], "the running sync has not met it yet").toHaveTextContent(
      "after Concord restarts",
    );
    expect(screen.getByTestId("restart-needed")).toBeInTheDocument();
  });

  it("keeps what was typed but not the password when the login is refused", async () => {
    const user = userEvent.setup();
    render(Settings, { backend: createFakeBackend({ configured: [] }) });
    const form = await screen.findByTestId("add-system");

    await user.type(within(form).getByLabelText("Name"), "erp");
    await user.type(within(form).getByLabelText("URL"), "https://erp.example.com/");
    await user.type(within(form).getByLabelText("Database"), "shop");
    await user.type(within(form).getByLabelText("Login"), "admin");
    await user.type(within(form).getByLabelText("Password"), "wrong");
    await user.click(within(form).getByRole("button", { name: "Log in and add" }));

    expect(await within(form).findByTestId("add-failure")).toHaveTextContent("refused");
    expect(within(form).getByLabelText("Name")).toHaveValue("erp");
    expect(within(form).getByLabelText("Database")).toHaveValue("shop");
    expect(within(form).getByLabelText("Password")).toHaveValue("");
  });

  it("shows the embedded sandbox's systems, with no Test or Remove, while none is configured", async () => {
    const sandbox: SystemStatus = {
      name: "sandbox ERP",
      kind: "tryton",
      url: null,
      embeddedSandbox: true,
      lastAttemptAt: "2026-12-03T09:00:00Z",
      lastSuccessAt: "2026-12-03T09:00:00Z",
      lastError: null,
      recordsPulled: 2000,
      setAside: 3,
      streams: [],
      secret: { kind: "missing" },
    };
    render(Settings, { backend: createFakeBackend({ configured: [], systems: [sandbox] }) });

    const table = await screen.findByTestId("systems");
    const row = within(table).getByRole("rowheader", { name: /sandbox ERP/ }).closest("tr")!;
    expect(row).toHaveTextContent("embedded sandbox");
    expect(row).toHaveTextContent("not needed (embedded sandbox)");
    expect(row).toHaveTextContent("3 records set aside");
    expect(within(table).queryByRole("button")).toBeNull();
  });

  it("lets a rep test systems but not add or remove them", async () => {
    render(Settings, { backend: createFakeBackend({ status: REP }) });

    expect(await screen.findByRole("button", { name: "Test erp" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Remove erp" })).toBeNull();
    expect(screen.queryByTestId("add-system")).toBeNull();
    expect(screen.getByTestId("supervisor-only")).toBeInTheDocument();
  });
});
