import type { TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigSchema } from "./config-schema.js";
import type { ConfigPath } from "./config-problems.js";

const BOOLEAN = /^(?:true|false)$/i;
const NUMBER = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/**
 * A variable's value is text. Where the schema wants a number or a boolean (`port: ${PORT}`,
 * `enabled: "${SHELL_JOBS}"`), text that reads as one becomes one; everywhere else (payloads,
 * headers, env) it stays text, so `"00123"` keeps its zeros. Changes `raw` in place.
 */
export function typeSubstitutedValues(raw: unknown, paths: readonly ConfigPath[]): void {
  for (const path of paths) {
    const parent = valueAt(raw, path.slice(0, -1));
    const key = path[path.length - 1];
    const schema = schemaAt(ConfigSchema, path);
    if (parent === undefined || key === undefined || schema === undefined) continue;
    const record = parent as Record<string | number, unknown>;
    const value = record[key];
    if (typeof value !== "string") continue;
    const candidates: unknown[] = [value];
    if (NUMBER.test(value)) candidates.push(Number(value));
    if (BOOLEAN.test(value)) candidates.push(value.toLowerCase() === "true");
    const fit = candidates.find((candidate) => Value.Check(schema, candidate));
    if (fit !== undefined) record[key] = fit;
  }
}

function valueAt(raw: unknown, path: ConfigPath): object | undefined {
  let value: unknown = raw;
  for (const segment of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return typeof value === "object" && value !== null ? value : undefined;
}

/** The schema of the value at a path, through objects, records and arrays (not unions). */
function schemaAt(root: TSchema, path: ConfigPath): TSchema | undefined {
  let schema: TSchema | undefined = root;
  for (const segment of path) {
    if (schema === undefined) return undefined;
    if (schema.type === "array") {
      schema = schema.items as TSchema | undefined;
    } else if (schema.type === "object") {
      const properties = schema.properties as Record<string, TSchema> | undefined;
      const patterns = schema.patternProperties as Record<string, TSchema> | undefined;
      schema =
        properties?.[String(segment)] ?? (patterns === undefined ? undefined : Object.values(patterns)[0]);
    } else {
      return undefined;
    }
  }
  return schema;
}
