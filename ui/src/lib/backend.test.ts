import { beforeEach, describe, expect, it, vi } from "vitest";

const invoke = vi.hoisted(() => vi.fn());
vi.mock("@tauri-apps/api/core", () => ({ invoke }));

import { BackendError, tauriBackend, toBackendError } from "./backend";

describe("backend", () => {
  beforeEach(() => {
    invoke.mockReset();
  });

  it("asks the desktop shell for app_status by its Rust name", async () => {
    const status = { sync: { state: "neverSynced" }, pendingPushes: 0, user: "Sam", role: "rep" };
    invoke.mockResolvedValue(status);

    const answer = await tauriBackend.appStatus();

    expect(invoke, "the command name must match the Rust command").toHaveBeenCalledWith(
      "app_status",
      undefined,
    );
    expect(answer).toEqual(status);
  });

  it("sends lookup and show with the argument names the Rust commands take", async () => {
    invoke.mockResolvedValue({ hits: [] });

    await tauriBackend.lookup("555 0142", 20);
    await tauriBackend.show(7);

    expect(invoke).toHaveBeenNthCalledWith(1, "lookup", { query: "555 0142", limit: 20 });
    expect(invoke, "Tauri maps customerId to the command's customer_id").toHaveBeenNthCalledWith(
      2,
      "show",
      { customerId: 7 },
    );
  });

  it("turns a service error into a BackendError with the same code and message", async () => {
    invoke.mockRejectedValue({ code: "notFound", message: "No customer 42." });

    const failure = await tauriBackend.appStatus().then(
      () => null,
      (rejection: unknown) => rejection,
    );

    expect(failure, "components branch on the class and the code").toBeInstanceOf(BackendError);
    expect((failure as BackendError).code).toBe("notFound");
    expect((failure as BackendError).message, "the service's words reach the rep").toBe(
      "No customer 42.",
    );
  });

  it("treats a rejection that is not a service error as internal, keeping its words", () => {
    const failure = toBackendError("command lookup_customer not found");

    expect(failure.code, "nothing the UI could act on").toBe("internal");
    expect(failure.message, "the words still help an operator").toBe(
      "command lookup_customer not found",
    );
  });

  it("does not trust an unknown code from the other side", () => {
    const failure = toBackendError({ code: "teapot", message: "short and stout" });

    expect(failure.code, "an unknown code must not reach a switch over known codes").toBe(
      "internal",
    );
  });
});
