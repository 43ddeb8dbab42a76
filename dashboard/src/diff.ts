// Before/after of a change (schedule history, audit log) as a list of the fields that differ.

export interface FieldChange {
  /** `every`, `retry.base`; empty when the values themselves are not objects. */
  path: string;
  kind: "added" | "removed" | "changed";
  before: unknown;
  after: unknown;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The fields that differ, in a stable order; nested objects are compared field by field. */
export function diffValues(before: unknown, after: unknown, path = ""): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const child = path === "" ? key : `${path}.${key}`;
      // Own keys only: a payload key such as "constructor" is not Object.prototype's.
      if (!Object.hasOwn(before, key))
        return [{ path: child, kind: "added" as const, before: undefined, after: after[key] }];
      if (!Object.hasOwn(after, key))
        return [{ path: child, kind: "removed" as const, before: before[key], after: undefined }];
      return diffValues(before[key], after[key], child);
    });
  }
  if (same(before, after)) return [];
  if ((before === null || before === undefined) && isPlainObject(after)) {
    return Object.keys(after)
      .sort()
      .map((key) => ({
        path: path === "" ? key : `${path}.${key}`,
        kind: "added" as const,
        before: undefined,
        after: after[key],
      }));
  }
  if (isPlainObject(before) && (after === null || after === undefined)) {
    return Object.keys(before)
      .sort()
      .map((key) => ({
        path: path === "" ? key : `${path}.${key}`,
        kind: "removed" as const,
        before: before[key],
        after: undefined,
      }));
  }
  return [{ path, kind: "changed", before, after }];
}

/** A value in a diff cell: JSON, compact. */
export function diffText(value: unknown): string {
  if (value === undefined) return "—";
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
