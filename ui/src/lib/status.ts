// Words for the status bar, kept apart from the markup so they are tested on their own.

import type { AppStatus } from "./ipc/AppStatus";
import type { Event } from "./ipc/Event";
import type { Role } from "./ipc/Role";
import type { SyncState } from "./ipc/SyncState";
import type { SystemStatus } from "./ipc/SystemStatus";
import { formatDateTime } from "./format";

export function describeSync(sync: SyncState): string {
  switch (sync.state) {
    case "neverSynced":
      return "Never synced";
    case "synced":
      return `Synced ${formatDateTime(sync.at)}`;
    case "failed":
      return `Sync failed (${sync.system})`;
    default:
      // A new state added in Rust fails type checking here until it has words.
      return unreachable(sync);
  }
}

export function describePending(count: number): string {
  if (count === 0) return "Nothing waiting to push";
  return count === 1 ? "1 change waiting to push" : `${count} changes waiting to push`;
}

export function describeRole(role: Role): string {
  return role === "supervisor" ? "Supervisor" : "Rep";
}

export function describeUser(status: AppStatus): string {
  return `${status.user} · ${describeRole(status.role)}`;
}

/** The names reps know the systems by. */
export function systemName(system: string): string {
  switch (system) {
    case "vendure":
      return "Web store";
    case "tryton":
      return "ERP";
    default:
      return system;
  }
}

export type Reachability = "online" | "offline" | "unknown";

/**
 * Whether a system answered the last time Concord asked: offline when the last attempt failed
 * after (or without) a success, unknown before any attempt.
 */
export function reachability(system: SystemStatus): Reachability {
  if (!system.lastAttemptAt) return "unknown";
  if (system.lastError === null) return "online";
  if (system.lastSuccessAt === null) return "offline";
  return system.lastSuccessAt >= system.lastAttemptAt ? "online" : "offline";
}

/** A sync's progress, per system and stream, as events report it. */
export type Progress = Map<string, Extract<Event, { kind: "syncProgress" }>>;

/** Folds one event into the progress shown; a finished sync clears it. */
export function trackProgress(progress: Progress, event: Event): Progress {
  const next = new Map(progress);
  if (event.kind === "syncProgress") {
    const key = `${event.system}/${event.stream}`;
    if (event.done) next.delete(key);
    else next.set(key, event);
  } else if (event.kind === "syncFinished") {
    next.clear();
  }
  return next;
}

/** "Web store customers: 1,200 records, 340/s". */
export function describeProgress(event: Extract<Event, { kind: "syncProgress" }>): string {
  const rate = event.ratePerSec > 0 ? `, ${Math.round(event.ratePerSec)}/s` : "";
  return `${systemName(event.system)} ${event.stream}: ${event.records.toLocaleString()} records${rate}`;
}

function unreachable(value: never): never {
  throw new Error(`no words for ${JSON.stringify(value)}`);
}
