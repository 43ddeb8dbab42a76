import { ValueErrorType, type ValueError } from "@sinclair/typebox/errors";
import { Value } from "@sinclair/typebox/value";
import { ConfigSchema } from "./config-schema.js";
import type { ConfigPath, ConfigProblem } from "./config-problems.js";
import type { YamlSource } from "./yaml-source.js";

const MAX_PROBLEMS = 100;

/** The shape errors of the file against its JSON schema, each at its line and column. */
export function schemaProblems(source: YamlSource, raw: unknown): ConfigProblem[] {
  if (Value.Check(ConfigSchema, raw)) return [];
  const problems: ConfigProblem[] = [];
  const seenPaths = new Set<string>();
  for (const error of Value.Errors(ConfigSchema, raw)) {
    // A missing field is reported twice (required, then wrong type): say it once per field.
    if (seenPaths.has(error.path)) continue;
    seenPaths.add(error.path);
    const path = toConfigPath(error.path, raw);
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = Object.keys((error.schema as { properties?: object }).properties ?? {});
      const name = String(path[path.length - 1]);
      problems.push(source.problem(path, unknownFieldMessage(name, known), "key"));
    } else {
      problems.push(source.problem(path, messageOf(error, path)));
    }
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}

export function unknownFieldMessage(name: string, known: string[]): string {
  const suggestion = closest(name, known);
  const hint = suggestion === undefined ? "" : `; did you mean ${suggestion}?`;
  return `unknown field ${JSON.stringify(name)}${hint} (known: ${known.join(", ")})`;
}

/** The closest name within two edits, for "did you mean". */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance <= 2 && (best === undefined || distance < best.distance))
      best = { name: candidate, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + cost,
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "number" || typeof value === "boolean" || value === null) return String(value);
  if (Array.isArray(value)) return "a list";
  return typeof value === "object" ? "a mapping" : typeof value;
}

function messageOf(error: ValueError, path: ConfigPath): string {
  const schema = error.schema as Record<string, unknown>;
  const got = `got ${describeValue(error.value)}`;
  if (typeof schema.errorMessage === "string") {
    return error.value === undefined
      ? `is required and ${schema.errorMessage}`
      : `${schema.errorMessage}, ${got}`;
  }
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${String(path[path.length - 1])} is required`;
    case ValueErrorType.String:
      return `must be text, ${got}`;
    case ValueErrorType.Integer:
      return `must be a whole number, ${got}`;
    case ValueErrorType.Number:
      return `must be a number, ${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false, ${got}`;
    case ValueErrorType.Array:
      return `must be a list, ${got}`;
    case ValueErrorType.Object:
      return `must be a mapping of fields, ${got}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${String(schema.minimum)}, ${got}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${String(schema.maximum)}, ${got}`;
    case ValueErrorType.ArrayMinItems:
      return `must list at least ${String(schema.minItems)} item${schema.minItems === 1 ? "" : "s"}`;
    case ValueErrorType.StringMinLength:
      return "must not be empty";
    default:
      return `${error.message.replace(/^Expected/, "expected")}, ${got}`;
  }
}

/** A JSON pointer (`/schedules/1/cron`) as a path, with indexes where the value is a list. */
function toConfigPath(pointer: string, raw: unknown): ConfigPath {
  const path: (string | number)[] = [];
  let value: unknown = raw;
  for (const part of pointer.split("/").slice(1)) {
    const segment = part.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(value)) {
      const index = Number(segment);
      path.push(index);
      value = value[index];
    } else {
      path.push(segment);
      value =
        typeof value === "object" && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}
