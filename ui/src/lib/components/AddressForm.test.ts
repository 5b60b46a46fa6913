import { render, screen, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";

import { createFakeBackend } from "../fake-backend";
import { addressValues, type AddressValues } from "../address-values.svelte";
import AddressForm from "./AddressForm.svelte";

function blank(country: string): AddressValues {
  return {
    recipient: "",
    company: "",
    line1: "",
    line2: "",
    city: "",
    region: "",
    postcode: "",
    country,
  };
}

/** The labels of the form's inputs in the order a rep tabs through them. */
function labelsInOrder(): string[] {
  const form = screen.getByTestId("address-form");
  return within(form)
    .getAllByRole("textbox")
    .concat(within(form).queryAllByRole("combobox"))
    .sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
    .map((input) => ((input as HTMLInputElement).labels?.[0]?.textContent ?? "").replace(/\s*\*$/, "").trim());
}

async function renderFor(country: string, values = blank(country)) {
  const result = render(AddressForm, {
    backend: createFakeBackend(),
    values: addressValues(values),
    idPrefix: "test",
  });
  await screen.findByText("Street address");
  return result;
}

describe("the address form follows the country's layout", () => {
  it("asks a US address for city, state and ZIP code last, with states to pick", async () => {
    await renderFor("US");

    expect(labelsInOrder()).toEqual([
      "Country",
      "Name",
      "Company",
      "Street address",
      "Apartment, suite, unit (optional)",
      "City",
      "State",
      "ZIP code",
    ]);
    const state = screen.getByLabelText(/State/);
    expect(state, "a state is picked from the list, not spelled").toHaveRole("combobox");
    expect(within(state).getByRole("option", { name: "California (CA)" })).toBeInTheDocument();
    expect(screen.getByLabelText(/ZIP code/)).toBeRequired();
  });

  it("asks a British address for no county, and for the postcode on its own last line", async () => {
    await renderFor("GB");

    const labels = labelsInOrder();

    expect(labels.at(-1), "Royal Mail wants the postcode last").toBe("Postcode");
    expect(labels).toContain("Town or city");
    expect(labels.some((l) => /State|County|Region/.test(l)), "no county is asked").toBe(false);
  });

  it("puts the German postal code before the city", async () => {
    await renderFor("DE");

    const labels = labelsInOrder();

    expect(labels.slice(-2)).toEqual(["Postal code", "City"]);
  });

  it("lays a Japanese address out in Latin order with prefectures by their Latin names", async () => {
    await renderFor("JP");

    const prefecture = screen.getByLabelText(/Prefecture/);

    expect(labelsInOrder()[1], "typed in Latin script, the name comes first").toBe("Name");
    expect(within(prefecture).getByRole("option", { name: "Tokyo" })).toBeInTheDocument();
  });

  it("marks only the fields the country's post requires", async () => {
    await renderFor("GB");

    expect(screen.getByLabelText(/Street address/)).toBeRequired();
    expect(screen.getByLabelText(/^Name/), "a recipient is optional in the UK").not.toBeRequired();
    expect(screen.getByLabelText(/Apartment/), "a second line is never required").not
      .toBeRequired();
  });

  it("says a postcode does not fit the country's format, without clearing it", async () => {
    const user = userEvent.setup();
    await renderFor("US");

    await user.type(screen.getByLabelText(/ZIP code/), "9410");

    const zip = screen.getByLabelText(/ZIP code/);
    expect(zip).toHaveAttribute("aria-invalid", "true");
    expect(zip).toHaveAccessibleDescription("Not a United States zip code");
    expect(zip, "what was typed stays").toHaveValue("9410");
  });

  it("keeps a value the new country has no field for, and says so", async () => {
    const user = userEvent.setup();
    const values = { ...blank("US"), region: "OR", line1: "12 Harbor St" };
    await renderFor("US", values);

    await user.selectOptions(screen.getByLabelText(/Country/), "GB");
    await screen.findByText("Town or city");

    expect(screen.getByTestId("hidden-fields")).toHaveTextContent("have no region");
    expect(screen.getByLabelText(/Street address/), "shared fields carry over").toHaveValue(
      "12 Harbor St",
    );
  });
});
