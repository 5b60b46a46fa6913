// The one door to the desktop backend: the only module that imports @tauri-apps/*.
//
// Every command is typed with the declarations generated from Rust (./ipc), and every failure
// arrives as a BackendError carrying the service's { code, message }, so components branch on
// the code and never parse strings. Components receive a Backend; tests give them a fake one.

import { invoke } from "@tauri-apps/api/core";

import type { AppStatus } from "./ipc/AppStatus";
import type { CustomerView } from "./ipc/CustomerView";
import type { ErrorCode } from "./ipc/ErrorCode";
import type { LookupHit } from "./ipc/LookupHit";
import type { LookupResults } from "./ipc/LookupResults";
import type { ServiceError } from "./ipc/ServiceError";

export type { AppStatus, CustomerView, ErrorCode, LookupHit, LookupResults, ServiceError };

/** What the UI can ask of the backend. */
export interface Backend {
  appStatus(): Promise<AppStatus>;
  /** The customers `query` may mean, best first, at most `limit`. */
  lookup(query: string, limit: number): Promise<LookupResults>;
  /** One merged account. */
  show(customerId: number): Promise<CustomerView>;
}

const ERROR_CODES: readonly ErrorCode[] = ["notFound", "invalidInput", "internal"];

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

/** The backend of the running desktop app. */
export const tauriBackend: Backend = {
  appStatus: () => call<AppStatus>("app_status"),
  lookup: (query, limit) => call<LookupResults>("lookup", { query, limit }),
  show: (customerId) => call<CustomerView>("show", { customerId }),
};
