// A backend that lives in the page: a few customers in memory and the address layouts the
// service produced (fixtures/, checked against the service by a Rust test). It lets the UI run
// outside the desktop app, for component tests and for the accessibility check in a plain
// browser (`?backend=fake`). It never stands in for the desktop app: main.ts only picks it
// when asked to, outside Tauri.

import type {
  AddressForm,
  AddressInput,
  AppStatus,
  Backend,
  BackendEvent,
  ConfiguredSystem,
  CorrectionRequest,
  CountryChoice,
  CustomerView,
  HistoryEntry,
  LookupHit,
  Preview,
  ReviewDetail,
  Settings,
  SystemStatus,
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
        sourceSystem: "vendure",
        seenAt: "2026-11-02T15:04:00Z",
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
        sourceSystem: "vendure",
        seenAt: "2026-11-02T15:04:00Z",
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
    provenance: [
      {
        field: "price_level",
        value: "B",
        system: "tryton",
        systemId: "P-0007",
        changedAt: "2026-11-20T12:00:00Z",
        rule: "owner",
        disagreement: true,
        others: [
          {
            system: "vendure",
            systemId: "41",
            value: "A",
            changedAt: "2026-11-28T08:30:00Z",
          },
        ],
      },
      {
        field: "name",
        value: "Ada Lovelace",
        system: "vendure",
        systemId: "41",
        changedAt: "2026-11-02T15:04:00Z",
        rule: "most_recent",
        disagreement: false,
        others: [],
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
    provenance: [],
  },
];

/** One item of each kind a supervisor meets. */
export const DEMO_REVIEW: ReviewDetail[] = [
  {
    summary: {
      id: 101,
      kind: "uncertainMatch",
      state: "open",
      customerId: 1,
      customerName: "Ada Lovelace",
      headline: "Web store 41 and ERP P-0007 may be the same customer",
      createdAt: "2026-12-02T09:00:00Z",
      decidedBy: null,
      decidedAt: null,
    },
    matchEvidence: {
      left: { system: "vendure", systemId: "41", sourceRecordId: 1 },
      right: { system: "tryton", systemId: "P-0007", sourceRecordId: 2 },
      priorBits: -9.2,
      fields: [
        { field: "name", level: "one edit", left: "Ada Lovelace", right: "Ada Lovlace", bits: 6.1, frequencyAdjusted: false },
        { field: "phone", level: "exact", left: "+15550100142", right: "+15550100142", bits: 9.8, frequencyAdjusted: true },
        { field: "postcode", level: "different", left: "97201", right: "97301", bits: -2.4, frequencyAdjusted: false },
      ],
      totalBits: 4.3,
      probability: 0.95,
      heldBecause: "The score falls between the thresholds for linking and for keeping apart.",
    },
    disagreement: null,
    subject: {},
    evidence: {},
    decision: null,
    actions: ["link", "notSamePerson"],
  },
  {
    summary: {
      id: 102,
      kind: "disagreement",
      state: "open",
      customerId: 1,
      customerName: "Ada Lovelace",
      headline: "Price level: ERP says B, web store says A",
      createdAt: "2026-12-02T09:05:00Z",
      decidedBy: null,
      decidedAt: null,
    },
    matchEvidence: null,
    disagreement: {
      field: "price_level",
      shown: { value: "B", system: "tryton", systemId: "P-0007", at: "2026-11-20T12:00:00Z" },
      others: [{ value: "A", system: "vendure", systemId: "41", at: "2026-11-28T08:30:00Z" }],
    },
    subject: {},
    evidence: {},
    decision: null,
    actions: ["keep", "pick"],
  },
  {
    summary: {
      id: 103,
      kind: "collidingEdit",
      state: "open",
      customerId: 2,
      customerName: "Grace Hopper",
      headline: "Two changes to the same address",
      createdAt: "2026-12-02T09:10:00Z",
      decidedBy: null,
      decidedAt: null,
    },
    matchEvidence: null,
    disagreement: null,
    subject: {},
    evidence: {
      fields: [{ field: "line1", base: "1 Navy Way", ours: "1 NAVY WAY STE 2", theirs: "10 Navy Way" }],
    },
    decision: null,
    actions: [],
  },
];

const DEMO_STATUS: AppStatus = {
  sync: { state: "neverSynced" },
  pendingPushes: 0,
  user: "Dana Reyes",
  role: "supervisor",
};

/** The systems in the fake settings file; tests may pass their own. */
export const DEMO_CONFIGURED: ConfiguredSystem[] = [
  {
    name: "erp",
    kind: "tryton",
    url: "https://erp.example.com/",
    database: "shop",
    login: "concord",
    secret: { kind: "keyring" },
  },
  {
    name: "web store",
    kind: "vendure",
    url: "https://shop.example.com/admin-api",
    database: null,
    login: "concord",
    secret: { kind: "keyring" },
  },
];

/** The password the fake systems accept; any other fails to log in, as a real one would. */
export const FAKE_PASSWORD = "correct horse";

export interface FakeOptions {
  customers?: CustomerView[];
  status?: AppStatus;
  systems?: SystemStatus[];
  /** How long each system takes to confirm a push; pushes stay queued when null. */
  confirmAfterMs?: number | null;
  review?: ReviewDetail[];
  /** What takeScreenPop hands over once. */
  screenPop?: string | null;
  /** The systems in the settings file. */
  configured?: ConfiguredSystem[];
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
  const history = new Map<number, HistoryEntry[]>();
  let corrections = 0;
  const review = structuredClone(options.review ?? DEMO_REVIEW);
  const item = (id: number) => {
    const found = review.find((r) => r.summary.id === id);
    if (!found) throw new BackendError("notFound", `No review item ${id}.`);
    return found;
  };
  const supervisor = () => {
    if ((options.status ?? DEMO_STATUS).role !== "supervisor") {
      throw new BackendError("forbidden", "Only a supervisor decides review items.");
    }
  };
  const emit = (event: BackendEvent) => listeners.forEach((listener) => listener(event));
  let configured = structuredClone(options.configured ?? DEMO_CONFIGURED);
  const startedWith = JSON.stringify(configured);
  const cache = { path: "/home/dana/.local/share/concord/cache.sqlite", bytes: 48_562_176 };
  const settings = (): Settings => {
    const status = options.status ?? DEMO_STATUS;
    return {
      user: status.user,
      role: status.role,
      canManageSystems: status.role === "supervisor",
      systems: structuredClone(configured),
      configFile: "/home/dana/.config/concord/config.toml",
      restartNeeded: JSON.stringify(configured) !== startedWith,
      cache: { ...cache },
    };
  };
  const manager = () => {
    if ((options.status ?? DEMO_STATUS).role !== "supervisor") {
      throw new BackendError("forbidden", "a rep may not add or remove connected systems; ask a supervisor");
    }
  };

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

    syncStatus: () => Promise.resolve(structuredClone(options.systems ?? [])),

    previewCorrection: (request) => Promise.resolve(preview(request)),

    submitCorrection(request) {
      const shown = preview(request);
      const correctionId = `fake-${++corrections}`;
      const at = new Date().toISOString();
      const entry: HistoryEntry = {
        correctionId,
        kind: "edit_address",
        actor: (options.status ?? DEMO_STATUS).user,
        at,
        changes: shown.local,
        keepAsEntered:
          request.change.kind === "editAddress" ? request.change.keepAsEntered : null,
        state: "active",
        reverts: null,
        systems: shown.systems.map((target, i) => ({
          id: corrections * 10 + i,
          correctionId,
          customerId: request.customerId,
          system: target.system,
          operation: "update_address",
          state: "queued",
          error: null,
          attempts: 0,
          changes: target.changes,
          createdAt: at,
          updatedAt: at,
        })),
      };
      history.set(request.customerId, [entry, ...(history.get(request.customerId) ?? [])]);
      const delay = options.confirmAfterMs === undefined ? 300 : options.confirmAfterMs;
      if (delay !== null) {
        setTimeout(() => {
          entry.systems.forEach((push) => (push.state = "confirmed"));
          emit({ kind: "service", event: { kind: "statusChanged" } });
        }, delay);
      }
      return Promise.resolve({ correctionId, preview: shown, state: "queued", reviewItemId: null });
    },

    correctionHistory: (customerId) =>
      Promise.resolve(structuredClone(history.get(customerId) ?? [])),

    reviewList: (state) =>
      Promise.resolve(
        review.filter((r) => r.summary.state === state).map((r) => structuredClone(r.summary)),
      ),

    reviewShow: (id) => attempt(() => structuredClone(item(id))),

    reviewDecide: (id, decision) =>
      attempt(() => {
        supervisor();
        const found = item(id);
        if (found.summary.state !== "open") {
          throw new BackendError("invalidInput", `Review item ${id} is already decided.`);
        }
        found.summary.state = "decided";
        found.summary.decidedBy = (options.status ?? DEMO_STATUS).user;
        found.summary.decidedAt = new Date().toISOString();
        found.decision = decision;
        return structuredClone(found);
      }),

    reviewUndo: (id) =>
      attempt(() => {
        supervisor();
        const found = item(id);
        if (found.summary.state !== "decided") {
          throw new BackendError("invalidInput", `Review item ${id} has no decision to undo.`);
        }
        found.summary.state = "open";
        found.decision = null;
        return structuredClone(found);
      }),

    settings: () => Promise.resolve(settings()),

    addSystem: (system, password) =>
      attempt(() => {
        manager();
        const same = configured.find(
          (s) => s.kind === system.kind || s.name.toLowerCase() === system.name.toLowerCase(),
        );
        if (same) {
          throw new BackendError(
            "invalidInput",
            same.kind === system.kind
              ? `"${same.name}" is already the ${same.kind} system; the cache keeps one system of each kind`
              : `a system called "${same.name}" is already connected`,
          );
        }
        if (system.kind === "tryton" && !system.database?.trim()) {
          throw new BackendError("invalidInput", "a Tryton system needs its database name");
        }
        if (password !== FAKE_PASSWORD) {
          throw new BackendError("invalidInput", `${system.url}: the login ${system.login} was refused`);
        }
        configured = [
          ...configured,
          {
            ...system,
            database: system.kind === "tryton" ? system.database : null,
            secret: { kind: "keyring" },
          },
        ];
        return settings();
      }),

    testConnection: (name) =>
      attempt(() => {
        const system = configured.find((s) => s.name === name);
        if (!system) throw new BackendError("notFound", `no system called "${name}" is connected`);
        return system.secret.kind === "missing"
          ? { name, ok: false, message: "no password is stored for it: remove it and add it again" }
          : { name, ok: true, message: `logged in to ${system.url} as ${system.login}` };
      }),

    removeSystem: (name) =>
      attempt(() => {
        manager();
        if (!configured.some((s) => s.name === name)) {
          throw new BackendError("notFound", `no system called "${name}" is connected`);
        }
        configured = configured.filter((s) => s.name !== name);
        return settings();
      }),

    cacheInfo: () => Promise.resolve({ ...cache }),

    takeScreenPop() {
      const pop = pendingPop;
      pendingPop = null;
      return Promise.resolve(pop);
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    emit,
  };

  /** A stand-in for the standardizer: capitals and the USPS abbreviations reps meet most. */
  function preview(request: CorrectionRequest): Preview {
    if (request.change.kind !== "editAddress") {
      throw new BackendError("invalidInput", "The fake backend only corrects addresses.");
    }
    const typed = request.change.address;
    const short = (text: string | null) =>
      text === null
        ? null
        : text
            .toUpperCase()
            .replace(/\bSTREET\b/g, "ST")
            .replace(/\bSUITE\b/g, "STE")
            .replace(/\bAVENUE\b/g, "AVE")
            .replace(/[.,]/g, "");
    const standardized: AddressInput = {
      ...typed,
      line1: short(typed.line1) ?? "",
      line2: short(typed.line2),
      city: short(typed.city),
      region: short(typed.region),
    };
    const keep = request.change.keepAsEntered !== null;
    const chosen = keep ? typed : standardized;
    const seen = request.seen ?? {};
    const local = (Object.keys(chosen) as Array<keyof AddressInput>)
      .filter((field) => (seen[field] ?? "") !== (chosen[field] ?? ""))
      .map((field) => ({ field, from: seen[field] || null, to: chosen[field] || null }));
    return {
      address: {
        typed,
        standardized,
        verdict: "standardized",
        reason: null,
        changes: [],
        chosen,
        keptAsEntered: keep,
      },
      local,
      systems: ["tryton", "vendure"].map((system) => ({
        system,
        record: system === "tryton" ? "party 7" : "customer 41",
        changes: local,
        notSent: local.length === 0 ? "nothing changes there" : null,
      })),
      collisions: [],
    };
  }
}

/** Runs `work` as a backend call: a thrown BackendError becomes a rejection. */
function attempt<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error);
  }
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
