// The values of an address form as reactive state, so that a component given them (the
// address form) and the one holding them (the editor, or a test) see the same edits.

import type { AddressField } from "./ipc/AddressField";

export type AddressValues = Record<AddressField, string> & { country: string };

export function addressValues(initial: AddressValues): AddressValues {
  const values = $state(initial);
  return values;
}
