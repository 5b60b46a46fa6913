// @vitest-environment node
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

const sourceRoot = fileURLToPath(new URL(".", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|svelte)$/.test(name) && !name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("module boundaries", () => {
  it("lets only lib/backend.ts import @tauri-apps, so the UI has one door to the backend", () => {
    const importers = sourceFiles(sourceRoot)
      .filter((path) => /from\s+["']@tauri-apps\//.test(readFileSync(path, "utf8")))
      .map((path) => relative(sourceRoot, path));

    expect(importers).toEqual(["lib/backend.ts"]);
  });
});
