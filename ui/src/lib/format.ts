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

/** The word for a matched field, e.g. "Phone". */
export function describeField(field: MatchedField): string {
  return FIELD_WORDS[field];
}

/** Whole years between an ISO birth date and `today`; null when the date cannot be read. */
export function ageOn(birthDate: string, today: Date): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  let age = today.getFullYear() - year;
  const beforeBirthday =
    today.getMonth() + 1 < month || (today.getMonth() + 1 === month && today.getDate() < day);
  if (beforeBirthday) age--;
  return age >= 0 && age < 150 ? age : null;
}

/** A date and time as the rep's locale writes them. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
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

/** The parts of an address the account pane prints, from a cache row or an order snapshot. */
export interface AddressParts {
  recipient?: string | null;
  company?: string | null;
  line1?: string | null;
  line2?: string | null;
  city?: string | null;
  region?: string | null;
  postcode?: string | null;
  country?: string | null;
}

/** An address as printed lines: street lines, then city, region and postcode, then country. */
export function addressLines(a: AddressParts): string[] {
  const last = [a.city, a.region, a.postcode].filter(Boolean).join(" ");
  return [a.line1, a.line2, [last, a.country].filter(Boolean).join(" ")].filter(
    (line): line is string => typeof line === "string" && line.trim() !== "",
  );
}

/**
 * An order's address snapshot as printed lines. Snapshots are stored as each system sent
 * them, so anything that is not an object with address fields prints nothing.
 */
export function snapshotLines(snapshot: unknown): string[] {
  if (typeof snapshot !== "object" || snapshot === null) return [];
  const text = (key: string) => {
    const value = (snapshot as Record<string, unknown>)[key];
    return typeof value === "string" ? value : null;
  };
  return addressLines({
    line1: text("line1"),
    line2: text("line2"),
    city: text("city"),
    region: text("region"),
    postcode: text("postcode"),
    country: text("country"),
  });
}

/** Whether an order's snapshot names the same place as a current address (case aside). */
export function sameAddress(snapshot: unknown, current: AddressParts): boolean {
  const squash = (lines: string[]) => lines.join(" ").replace(/\s+/g, " ").trim().toLowerCase();
  return squash(snapshotLines(snapshot)) === squash(addressLines(current));
}
