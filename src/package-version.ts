import { readFileSync } from "node:fs";

/** TaskFlow's own version, from its package.json (one level up from both src/ and dist/). */
export const PACKAGE_VERSION: string = readVersion();

function readVersion(): string {
  try {
    const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}
