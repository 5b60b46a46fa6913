import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { createFakeBackend, DEMO_CUSTOMERS } from "../fake-backend";
import AddressEditor from "./AddressEditor.svelte";

const address = DEMO_CUSTOMERS[0]!.addresses[0]!;

async function openEditor(confirmAfterMs: number | null = 0) {
  const backend = createFakeBackend({ confirmAfterMs });
  let closed: boolean | null = null;
  render(AddressEditor, {
    backend,
    customerId: 1,
    address,
    onclose: (saved: boolean) => (closed = saved),
  });
  await screen.findByLabelText(/Street address/);
  return { closed: () => closed };
}

describe("correcting an address", () => {
  it("shows the suggestion as changes to what was typed", async () => {
    const user = userEvent.setup();
    await openEditor();
    const street = screen.getByLabelText(/Street address/);

    await user.clear(street);
    await user.type(street, "12 Harbor Street");
    await user.click(screen.getByTestId("check-address"));

    const suggestion = await screen.findByTestId("suggestion");
    const removed = [...suggestion.querySelectorAll("del")].map((d) => d.textContent);
    const added = [...suggestion.querySelectorAll("ins")].map((i) => i.textContent);
    expect(removed).toContain("Harbor Street");
    expect(added).toContain("HARBOR ST");
  });

  it("asks for a reason before keeping what was typed", async () => {
    const user = userEvent.setup();
    await openEditor();
    await user.type(screen.getByLabelText(/Street address/), " rear");
    await user.click(screen.getByTestId("check-address"));
    await screen.findByTestId("suggestion");

    await user.click(screen.getByTestId("keep-as-entered"));
    const save = await screen.findByTestId("save-correction");
    const withoutReason = (save as HTMLButtonElement).disabled;
    await user.type(screen.getByTestId("keep-reason"), "The caller's door says so");

    expect(withoutReason, "a kept variant without a reason cannot be saved").toBe(true);
    expect(save).toBeEnabled();
  });

  it("says the address changed since it was checked, rather than saving an unchecked one", async () => {
    const user = userEvent.setup();
    await openEditor();
    await user.click(screen.getByTestId("check-address"));
    await screen.findByTestId("preview");

    await user.type(screen.getByLabelText(/Street address/), "x");

    expect(screen.getByText(/changed since it was checked/)).toBeInTheDocument();
    expect(screen.queryByTestId("save-correction")).toBeNull();
  });

  it("previews each system's change, then shows each push until it is confirmed", async () => {
    const user = userEvent.setup();
    const editor = await openEditor(0);
    await user.clear(screen.getByLabelText(/City/));
    await user.type(screen.getByLabelText(/City/), "Salem");
    await user.click(screen.getByTestId("check-address"));
    const preview = await screen.findByTestId("preview");
    const erp = within(preview).getByTestId("push-tryton");
    expect(erp).toHaveTextContent("City: Portland → SALEM");

    await user.click(screen.getByTestId("save-correction"));

    for (const system of ["tryton", "vendure"]) {
      const state = await screen.findByTestId(`push-state-${system}`);
      await screen.findByText("Done: every system answered.");
      expect(state).toHaveTextContent("confirmed");
    }
    await user.click(screen.getByTestId("close-editor"));
    expect(editor.closed(), "the account reloads after a saved correction").toBe(true);
  });

  it("keeps everything typed when the backend refuses", async () => {
    const user = userEvent.setup();
    const backend = createFakeBackend();
    backend.previewCorrection = () =>
      Promise.reject({ code: "invalidInput", message: "The postcode does not fit the state." });
    render(AddressEditor, { backend, customerId: 1, address, onclose: () => {} });
    const zip = await screen.findByLabelText(/ZIP code/);
    await user.clear(zip);
    await user.type(zip, "10001");

    await user.click(screen.getByTestId("check-address"));

    expect(await screen.findByRole("alert")).toHaveTextContent("does not fit the state");
    expect(screen.getByLabelText(/ZIP code/)).toHaveValue("10001");
  });
});
