// bench-args.ts — command-line checks shared by the bench scripts: a bad option is a one-line
// message and exit code 2, never a stack trace or a run with NaN in it.

/** An option the user got wrong. */
export class UsageError extends Error {}

/** `value` as a whole number of at least `min`, or a UsageError naming `--name`. */
export function wholeNumber(name: string, value: string, min: number): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be a whole number of at least ${min}, got "${value}"`);
  return n;
}

/** A comma-separated list whose every item is one of `allowed`, or a UsageError naming `--name`. */
export function listOf(name: string, value: string, allowed: readonly string[]): Set<string> {
  const items = value.split(",").map((item) => item.trim());
  const unknown = items.filter((item) => !allowed.includes(item));
  if (unknown.length > 0)
    throw new UsageError(
      `--${name}: unknown ${unknown.map((item) => `"${item}"`).join(", ")}; one or more of ${allowed.join(", ")}`,
    );
  return new Set(items);
}

/**
 * Parses options with `parse`; a UsageError, or an option parseArgs refuses (unknown, missing
 * its value), is printed as `<command>: <message>` and ends the process with exit code 2.
 */
export function parseOrExit<T>(command: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (error instanceof UsageError || (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`${command}: ${(error as Error).message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
