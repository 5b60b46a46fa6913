// Words for the status bar, kept apart from the markup so they are tested on their own.

import type { AppStatus } from "./ipc/AppStatus";
import type { Role } from "./ipc/Role";
import type { SyncState } from "./ipc/SyncState";

export function describeSync(sync: SyncState): string {
  switch (sync.state) {
    case "neverSynced":
      return "Never synced";
    default:
      // A new state added in Rust fails type checking here until it has words.
      return unreachable(sync.state);
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

function unreachable(value: never): never {
  throw new Error(`no words for ${String(value)}`);
}
