/**
 * Secret values are removed from everything an executor stores (results, log lines, error
 * messages), because stored job data is shown on the dashboard and kept for a long time.
 */
export const REDACTED = "[REDACTED]";

/** Environment variable names whose values are treated as secrets. */
export const SECRET_ENV_NAME = /(SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL|PRIVATE)/i;

/** Header and query parameter names whose values are treated as secrets. */
export const SECRET_FIELD_NAME =
  /(AUTH|COOKIE|SESSION|SIGNATURE|SECRET|TOKEN|PASSWORD|PASSWD|KEY|CREDENTIAL|PRIVATE|(^|[-_])SIG($|[-_]))/i;

/**
 * Values shorter than this are not redacted: replacing every "1" or "yes" in the output would
 * destroy it while protecting nothing.
 */
export const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of the secret values in a text by `[REDACTED]`. */
export type Redactor = (text: string) => string;

export function createRedactor(values: Iterable<string>): Redactor {
  const secrets = [...new Set(values)].filter((value) => value.length >= MIN_SECRET_LENGTH);
  if (secrets.length === 0) return (text) => text;
  // Longest first, so a secret that contains another is replaced whole.
  secrets.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(secrets.map(escapeRegExp).join("|"), "g");
  return (text) => text.replace(pattern, REDACTED);
}

/**
 * The values of the environment variables that hold secrets: those whose name looks like a
 * secret, and those named in `extraNames`.
 */
export function secretEnvValues(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (SECRET_ENV_NAME.test(name) || extraNames.includes(name)) values.push(value);
  }
  return values;
}

/** Applies a redactor to every string inside a JSON value (keys are left alone). */
export function redactJson(value: unknown, redact: Redactor): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, redactJson(inner, redact)]));
  }
  return value;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
