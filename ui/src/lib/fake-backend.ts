// A backend that lives in the page: a few customers in memory and the address layouts the
// service produced (fixtures/, checked against the service by a Rust test). It lets the UI run
// outside the desktop app, for component tests and for the accessibility check in a plain
// browser (`?backend=fake`). It never stands in for the desktop app: main.ts only picks it
// when asked to, outside Tauri.

import type {
  AddressForm,
  AppStatus,
  Backend,
  BackendEvent,
  CountryChoice,
  CustomerView,
  LookupHit,
} from "./backend";
import { BackendError } from "./backend";
import addressForms from "./fixtures/address-forms.json";
import countries from "./fixtures/countries.json";

/** The customers of the fake backend; tests may pass their own. */
export const DEMO_CUSTOMERS: CustomerView[] = [
  {
    customerId: 1,
    displayName: "Ada Lovelace",
    title: null,
    givenName: "Ada",
    familyName: "Lovelace",
    suffix: null,
    account: {
      customerType: "wholesale",
      taxCertificateNumber: "TX-88-1021",
      taxCertificateExpiry: "2027-06-30",
      priceLevel: "B",
      pricingModel: null,
      creditTerms: "Net 30",
      company: "Analytical Engines Ltd",
      jobTitle: "Purchasing lead",
      sex: null,
      birthDate: "1985-12-10",
    },
    contacts: [
      {
        id: 11,
        medium: "phone",
        kind: "work",
        display: "(555) 010-0142",
        valueAsReceived: "555.010.0142",
        e164: "+15550100142",
        extension: null,
        problem: null,
      },
      {
        id: 12,
        medium: "email",
        kind: "work",
        display: "ada@engines.example",
        valueAsReceived: "Ada@Engines.example",
        e164: null,
        extension: null,
        problem: null,
      },
    ],
    addresses: [
      {
        id: 21,
        kind: "shipping",
        isDefaultBilling: true,
        isDefaultShipping: true,
        recipient: "Ada Lovelace",
        company: "Analytical Engines Ltd",
        line1: "12 Harbor St",
        line2: "Ste 4",
        city: "Portland",
        region: "OR",
        postcode: "97201",
        country: "US",
        standardized: null,
        validationStatus: "standardized",
      },
    ],
    orders: [
      {
        id: 31,
        system: "vendure",
        number: "W-10442",
        channel: "web",
        status: "shipped",
        placedAt: "2026-11-02T15:04:00Z",
        currency: "USD",
        totalMinor: 12950,
        lines: [],
        billTo: null,
        shipTo: { line1: "880 Old Mill Rd", city: "Salem", region: "OR", postcode: "97301", country: "US" },
      },
      {
        id: 32,
        system: "tryton",
        number: "SO-2291",
        channel: "phone",
        status: "done",
        placedAt: "2026-09-15T10:30:00Z",
        currency: "USD",
        totalMinor: 48000,
        lines: [],
        billTo: null,
        shipTo: { line1: "12 Harbor St", line2: "Ste 4", city: "Portland", region: "OR", postcode: "97201", country: "US" },
      },
    ],
    sourceRecords: [
      {
        system: "vendure",
        systemId: "41",
        version: null,
        fetchedAt: "2026-12-01T10:00:00Z",
        rawPayload: "{}",
        normalized: {},
      },
      {
        system: "tryton",
        systemId: "P-0007",
        version: "3",
        fetchedAt: "2026-12-01T10:00:05Z",
        rawPayload: "{}",
        normalized: {},
      },
    ],
  },
  {
    customerId: 2,
    displayName: "Grace Hopper",
    title: null,
    givenName: "Grace",
    familyName: "Hopper",
    suffix: null,
    account: null,
    contacts: [],
    addresses: [],
    orders: [],
    sourceRecords: [],
  },
];

const DEMO_STATUS: AppStatus = {
  sync: { state: "neverSynced" },
  pendingPushes: 0,
  user: "Dana Reyes",
  role: "supervisor",
};

export interface FakeOptions {
  customers?: CustomerView[];
  status?: AppStatus;
  /** What takeScreenPop hands over once. */
  screenPop?: string | null;
}

/** A backend answering from memory. */
export function createFakeBackend(options: FakeOptions = {}): Backend & {
  /** Sends an event to every subscriber, as the desktop shell would. */
  emit(event: BackendEvent): void;
} {
  const customers = options.customers ?? DEMO_CUSTOMERS;
  let pendingPop = options.screenPop ?? null;
  const listeners = new Set<(event: BackendEvent) => void>();
  const forms = addressForms as Record<string, AddressForm>;

  return {
    appStatus: () => Promise.resolve(options.status ?? DEMO_STATUS),

    lookup(query, limit) {
      const wanted = query.trim().toLowerCase();
      const digits = wanted.replace(/\D/g, "");
      const hits: LookupHit[] = [];
      for (const c of customers) {
        const phone = c.contacts.find(
          (p) => p.medium === "phone" && digits.length >= 3 && p.e164?.includes(digits),
        );
        if (phone) {
          hits.push(hit(c, "phone", phone.display));
        } else if (c.displayName.toLowerCase().split(" ").some((w) => w.startsWith(wanted))) {
          hits.push({ ...hit(c, "name", c.displayName), quality: "prefix" });
        }
      }
      return Promise.resolve({ hits: hits.slice(0, limit) });
    },

    show(customerId) {
      const found = customers.find((c) => c.customerId === customerId);
      return found
        ? Promise.resolve(structuredClone(found))
        : Promise.reject(new BackendError("notFound", `No customer ${customerId}.`));
    },

    addressForm(country) {
      const form = forms[country.toUpperCase()];
      return form
        ? Promise.resolve(structuredClone(form))
        : Promise.reject(
            new BackendError("invalidInput", `"${country}" has no address layout here.`),
          );
    },

    addressCountries: () =>
      Promise.resolve(
        (countries as CountryChoice[]).filter((c) => forms[c.code] !== undefined),
      ),

    takeScreenPop() {
      const pop = pendingPop;
      pendingPop = null;
      return Promise.resolve(pop);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    emit(event) {
      listeners.forEach((listener) => listener(event));
    },
  };
}

function hit(c: CustomerView, field: LookupHit["matchedField"], value: string): LookupHit {
  return {
    customerId: c.customerId,
    displayName: c.displayName,
    company: c.account?.company ?? null,
    matchedField: field,
    quality: "exact",
    matchedValue: value,
  };
}
