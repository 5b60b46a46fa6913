// Words and numbers for the account pane, kept apart from the markup so they are tested.

import type { LookupHit } from "./ipc/LookupHit";
import type { MatchedField } from "./ipc/MatchedField";

const FIELD_WORDS: Record<MatchedField, string> = {
  phone: "Phone",
  email: "Email",
  orderNumber: "Order",
  postcode: "Postcode",
  name: "Name",
  company: "Company",
  address: "Address",
};

/** Why a result is in the list, e.g. "Phone 555-0142" or "Name Roberts (close spelling)". */
export function describeMatch(hit: LookupHit): string {
  const quality = hit.quality === "typo" ? " (close spelling)" : "";
  return `${FIELD_WORDS[hit.matchedField]} ${hit.matchedValue}${quality}`;
}

/** Money in minor units, in the order's currency. */
export function formatMoney(minor: number, currency: string): string {
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(minor / 100);
  } catch {
    // An unknown currency code still shows its amount rather than nothing.
    return `${(minor / 100).toFixed(2)} ${currency}`;
  }
}

/** The date part of an ISO timestamp, as the rep's locale writes it. */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleDateString();
}

/** `tax_exempt` becomes "Tax exempt". */
export function humanize(code: string): string {
  const words = code.replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}
