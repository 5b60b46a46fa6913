// The one door to the desktop backend: the only module that imports @tauri-apps/*.
//
// Every command is typed with the declarations generated from Rust (./ipc), and every failure
// arrives as a BackendError carrying the service's { code, message }, so components branch on
// the code and never parse strings. Components receive a Backend; tests give them a fake one.

import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";

import type { AddressForm } from "./ipc/AddressForm";
import type { AddressInput } from "./ipc/AddressInput";
import type { AddressView } from "./ipc/AddressView";
import type { AppStatus } from "./ipc/AppStatus";
import type { CacheInfo } from "./ipc/CacheInfo";
import type { ConfiguredSystem } from "./ipc/ConfiguredSystem";
import type { ConnectionTest } from "./ipc/ConnectionTest";
import type { CorrectionRequest } from "./ipc/CorrectionRequest";
import type { CountryChoice } from "./ipc/CountryChoice";
import type { CustomerView } from "./ipc/CustomerView";
import type { ErrorCode } from "./ipc/ErrorCode";
import type { Event } from "./ipc/Event";
import type { HistoryEntry } from "./ipc/HistoryEntry";
import type { LookupHit } from "./ipc/LookupHit";
import type { LookupResults } from "./ipc/LookupResults";
import type { NewSystem } from "./ipc/NewSystem";
import type { Preview } from "./ipc/Preview";
import type { ReviewDecision } from "./ipc/ReviewDecision";
import type { ReviewDetail } from "./ipc/ReviewDetail";
import type { ReviewState } from "./ipc/ReviewState";
import type { ReviewSummary } from "./ipc/ReviewSummary";
import type { ServiceError } from "./ipc/ServiceError";
import type { Settings } from "./ipc/Settings";
import type { Submitted } from "./ipc/Submitted";
import type { SystemStatus } from "./ipc/SystemStatus";

export type {
  AddressForm,
  AddressInput,
  AddressView,
  AppStatus,
  CacheInfo,
  ConfiguredSystem,
  ConnectionTest,
  CorrectionRequest,
  CountryChoice,
  CustomerView,
  ErrorCode,
  Event,
  HistoryEntry,
  LookupHit,
  LookupResults,
  NewSystem,
  Preview,
  ReviewDecision,
  ReviewDetail,
  ReviewState,
  ReviewSummary,
  ServiceError,
  Settings,
  Submitted,
  SystemStatus,
};

/** Something the backend tells the UI without being asked. */
export type BackendEvent =
  /** Telephony software opened `concord://lookup?...`: look this text up. */
  | { kind: "screenPop"; query: string }
  /** The service reported progress or a change the status bar shows. */
  | { kind: "service"; event: Event };

/** What the UI can ask of the backend. */
export interface Backend {
  appStatus(): Promise<AppStatus>;
  /** The customers `query` may mean, best first, at most `limit`. */
  lookup(query: string, limit: number): Promise<LookupResults>;
  /** One merged account. */
  show(customerId: number): Promise<CustomerView>;
  /** The address form of a country (ISO 3166-1 alpha-2). */
  addressForm(country: string): Promise<AddressForm>;
  /** Every country an address can be entered for, by name. */
  addressCountries(): Promise<CountryChoice[]>;
  /** Where each connected system stands. */
  syncStatus(): Promise<SystemStatus[]>;
  /** What a correction would change, in Concord and in each system; nothing is saved. */
  previewCorrection(request: CorrectionRequest): Promise<Preview>;
  /** Makes the correction and queues its pushes. */
  submitCorrection(request: CorrectionRequest): Promise<Submitted>;
  /** A customer's corrections, newest first, with each system's push state. */
  correctionHistory(customerId: number): Promise<HistoryEntry[]>;
  /** The review queue, newest first: items in `state`. */
  reviewList(state: ReviewState): Promise<ReviewSummary[]>;
  /** One review item with its evidence. */
  reviewShow(id: number): Promise<ReviewDetail>;
  /** Decides an open item (supervisors only). */
  reviewDecide(id: number, decision: ReviewDecision): Promise<ReviewDetail>;
  /** Undoes the decision on an item, which is open again (supervisors only). */
  reviewUndo(id: number): Promise<ReviewDetail>;
  /** The user, role, the systems in the settings file and the cache, for Settings. */
  settings(): Promise<Settings>;
  /**
   * Logs in to a new system, then keeps its password and adds it (supervisors only). The
   * password is passed through, never kept.
   */
  addSystem(system: NewSystem, password: string): Promise<Settings>;
  /** Logs in to a configured system with its stored password; a failed login resolves. */
  testConnection(name: string): Promise<ConnectionTest>;
  /** Removes a system and forgets its password (supervisors only). */
  removeSystem(name: string): Promise<Settings>;
  /** Where the local cache is and how many bytes it takes. */
  cacheInfo(): Promise<CacheInfo>;
  /** The lookup the app was started for (a screen pop), once; null after that. */
  takeScreenPop(): Promise<string | null>;
  /** Calls `listener` with every event until the returned function is called. */
  subscribe(listener: (event: BackendEvent) => void): () => void;
}

/** The names the desktop shell emits its events under. */
export const EVENT_NAMES = {
  screenPop: "concord://screen-pop",
  service: "concord://event",
} as const;

const ERROR_CODES: readonly ErrorCode[] = ["notFound", "invalidInput", "forbidden", "internal"];

/** A failed backend command, with the code the UI branches on. */
export class BackendError extends Error implements ServiceError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "BackendError";
    this.code = code;
  }
}

/**
 * Turns whatever a rejected command carried into a BackendError. The service always sends
 * { code, message }; anything else (a panic, a missing command, a lost bridge) is internal.
 */
export function toBackendError(rejection: unknown): BackendError {
  if (rejection instanceof BackendError) return rejection;

  if (typeof rejection === "object" && rejection !== null) {
    const { code, message } = rejection as Partial<Record<"code" | "message", unknown>>;
    if (isErrorCode(code) && typeof message === "string") {
      return new BackendError(code, message);
    }
  }

  const text = rejection instanceof Error ? rejection.message : String(rejection);
  return new BackendError("internal", text || "The desktop backend did not answer.");
}

function isErrorCode(value: unknown): value is ErrorCode {
  return ERROR_CODES.includes(value as ErrorCode);
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (rejection) {
    throw toBackendError(rejection);
  }
}

/**
 * Listens to one shell event. Tauri registers listeners asynchronously, so an unsubscribe
 * that comes first is remembered and applied once registration finishes.
 */
function listenTo<T>(name: string, handle: (payload: T) => void): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  listen<T>(name, (event) => {
    if (!stopped) handle(event.payload);
  }).then(
    (stop) => (stopped ? stop() : (unlisten = stop)),
    // Without the event bridge (a plain browser) there is nothing to listen to.
    () => {},
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}

/** The backend of the running desktop app. */
export const tauriBackend: Backend = {
  appStatus: () => call<AppStatus>("app_status"),
  lookup: (query, limit) => call<LookupResults>("lookup", { query, limit }),
  show: (customerId) => call<CustomerView>("show", { customerId }),
  addressForm: (country) => call<AddressForm>("address_form", { country }),
  addressCountries: () => call<CountryChoice[]>("address_countries"),
  syncStatus: () => call<SystemStatus[]>("sync_status"),
  previewCorrection: (request) => call<Preview>("preview_correction", { request }),
  submitCorrection: (request) => call<Submitted>("submit_correction", { request }),
  correctionHistory: (customerId) => call<HistoryEntry[]>("correction_history", { customerId }),
  reviewList: (state) => call<ReviewSummary[]>("review_list", { state }),
  reviewShow: (id) => call<ReviewDetail>("review_show", { id }),
  reviewDecide: (id, decision) => call<ReviewDetail>("review_decide", { id, decision }),
  reviewUndo: (id) => call<ReviewDetail>("review_undo", { id }),
  settings: () => call<Settings>("settings"),
  addSystem: (system, password) => call<Settings>("add_system", { system, password }),
  testConnection: (name) => call<ConnectionTest>("test_connection", { name }),
  removeSystem: (name) => call<Settings>("remove_system", { name }),
  cacheInfo: () => call<CacheInfo>("cache_info"),
  takeScreenPop: () => call<string | null>("take_screen_pop"),
  subscribe(listener) {
    const stops = [
      listenTo<string>(EVENT_NAMES.screenPop, (query) => listener({ kind: "screenPop", query })),
      listenTo<Event>(EVENT_NAMES.service, (event) => listener({ kind: "service", event })),
    ];
    return () => stops.forEach((stop) => stop());
  },
};
