import {
  MAX_TIMER_MS,
  describeValue,
  invalidOption,
  isRecord,
  optionalInteger,
  rejectUnknownFields,
} from "./executor-errors.js";
import { parseAllowList, type AllowRule } from "./ssrf-guard.js";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A JSON value, sent as `application/json`. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** An HTTP job as declared under `tasks.<name>.http` in taskflow.yaml, durations in ms, sizes in bytes. */
export interface HttpJobSpec {
  /** @defaultValue "GET" */
  method?: HttpMethod;
  /** An http:// or https:// URL, without user:password (put credentials in headers). */
  url: string;
  /** Request headers; values of Authorization, Cookie and secret-like names are redacted in logs. @defaultValue {} */
  headers?: Record<string, string>;
  /**
   * A string is sent as is; any other JSON value (mapping, list, number, boolean) is sent as
   * JSON with `content-type: application/json`. Not allowed with GET and HEAD. @defaultValue none
   */
  body?: JsonValue;
  /** Statuses that count as success. @defaultValue any 2xx */
  expectStatus?: number[];
  /** Time to open the connection (DNS and TLS included). @defaultValue 10000 */
  connectMs?: number;
  /** Time from sending the request to receiving the response headers. @defaultValue 30000 */
  headersMs?: number;
  /** Time for the whole exchange, redirects and body included. @defaultValue 60000 */
  totalMs?: number;
  /** Bytes of the response body kept; reading stops there. @defaultValue the executor's maxResponseBytes */
  maxResponseBytes?: number;
  /** Redirects followed; 0 means a 3xx is the final response. @defaultValue 0 */
  followRedirects?: number;
}

/** `executors.http` in taskflow.yaml. */
export interface HttpExecutorSettings {
  /**
   * Targets HTTP jobs may reach although their address is loopback, private, link-local…:
   * IPs, CIDR ranges or hostnames (`*.internal` for subdomains), each optionally with `:port`.
   * @defaultValue []
   */
  allow?: readonly string[];
  /** Default cap on the bytes of a response body kept. @defaultValue 1 MiB */
  maxResponseBytes?: number;
}

export interface ResolvedHttpSettings {
  allow: readonly AllowRule[];
  maxResponseBytes: number;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
export const DEFAULT_CONNECT_MS = 10_000;
export const DEFAULT_HEADERS_MS = 30_000;
export const DEFAULT_TOTAL_MS = 60_000;
const MAX_RESPONSE_CAP = 256 * 1024 * 1024;
const MAX_REDIRECTS = 20;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Set by the HTTP client from the URL and body; a spec that sets them would be ignored or break framing. */
const MANAGED_HEADERS = [
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "upgrade",
  "keep-alive",
  "te",
  "trailer",
];
const SPEC_FIELDS = [
  "method",
  "url",
  "headers",
  "body",
  "expectStatus",
  "connectMs",
  "headersMs",
  "totalMs",
  "maxResponseBytes",
  "followRedirects",
] as const;

/** Validates an HTTP job spec (durations in ms, sizes in bytes). Throws `INVALID_OPTION` naming the field. */
export function resolveHttpSpec(raw: unknown): HttpJobSpec {
  if (!isRecord(raw)) {
    throw invalidOption("http", `an HTTP job must be a mapping with a url, got ${describeValue(raw)}`);
  }
  rejectUnknownFields(raw, SPEC_FIELDS, "an HTTP job");
  const method = resolveMethod(raw.method);
  const spec: HttpJobSpec = { method, url: resolveUrl(raw.url), headers: resolveHeaders(raw.headers) };
  const body = resolveBody(raw.body, method);
  if (body !== undefined) spec.body = body;
  if (raw.expectStatus !== undefined) spec.expectStatus = resolveExpectStatus(raw.expectStatus);
  for (const name of ["connectMs", "headersMs", "totalMs"] as const) {
    const value = optionalInteger(raw, name, 1, MAX_TIMER_MS, "milliseconds");
    if (value !== undefined) spec[name] = value;
  }
  const cap = optionalInteger(raw, "maxResponseBytes", 1, MAX_RESPONSE_CAP, "bytes");
  if (cap !== undefined) spec.maxResponseBytes = cap;
  const redirects = optionalInteger(raw, "followRedirects", 0, MAX_REDIRECTS, "redirects");
  if (redirects !== undefined) spec.followRedirects = redirects;
  return spec;
}

function resolveMethod(value: unknown): HttpMethod {
  if (value === undefined) return "GET";
  const upper = typeof value === "string" ? value.toUpperCase() : value;
  if (!(HTTP_METHODS as readonly unknown[]).includes(upper)) {
    throw invalidOption(
      "method",
      `method must be one of ${HTTP_METHODS.join(", ")}, got ${describeValue(value)}`,
    );
  }
  return upper as HttpMethod;
}

function resolveUrl(value: unknown): string {
  if (typeof value !== "string" || value.includes("\0")) {
    throw invalidOption("url", `url must be an http:// or https:// URL, got ${describeValue(value)}`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalidOption("url", `url ${describeValue(value)} is not a valid URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidOption("url", `url must use http or https, got ${url.protocol.replace(/:$/, "")}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidOption(
      "url",
      "url must not contain user:password; send credentials in an Authorization header",
    );
  }
  return url.href;
}

function resolveHeaders(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value))
    throw invalidOption(
      "headers",
      `headers must be a mapping of names to values, got ${describeValue(value)}`,
    );
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!TOKEN.test(name))
      throw invalidOption("headers", `header name ${describeValue(name)} is not a valid HTTP header name`);
    if (MANAGED_HEADERS.includes(name.toLowerCase())) {
      throw invalidOption("headers", `header ${name} is set by the HTTP client and cannot be given`);
    }
    const text = typeof raw === "number" || typeof raw === "boolean" ? String(raw) : raw;
    if (typeof text !== "string" || /[\r\n\0]/.test(text)) {
      throw invalidOption("headers", `header ${name} must be a string without CR, LF or NUL`);
    }
    headers[name] = text;
  }
  return headers;
}

function resolveBody(value: unknown, method: HttpMethod): HttpJobSpec["body"] {
  if (value === undefined || value === null) return undefined;
  if (method === "GET" || method === "HEAD")
    throw invalidOption("body", `a ${method} request cannot have a body`);
  if (typeof value === "string") {
    if (value.includes("\0")) throw invalidOption("body", "body contains a NUL character");
    return value;
  }
  if (!isJsonValue(value)) throw invalidOption("body", "body must be a string or a JSON value");
  return value;
}

function isJsonValue(value: unknown, depth = 0): value is JsonValue {
  if (depth > 100) return false;
  if (value === null || typeof value === "string" || typeof value === "boolean") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

function resolveExpectStatus(value: unknown): number[] {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.some(
      (status) => typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599,
    )
  ) {
    throw invalidOption(
      "expectStatus",
      `expectStatus must be a non-empty list of HTTP statuses (100-599), got ${describeValue(value)}`,
    );
  }
  return [...(value as number[])];
}

/** Validates the node-wide HTTP settings (the allow-list above all) and fills in defaults. */
export function resolveHttpSettings(settings: HttpExecutorSettings = {}): ResolvedHttpSettings {
  return {
    allow: parseAllowList(settings.allow),
    maxResponseBytes:
      optionalInteger(
        settings as Record<string, unknown>,
        "maxResponseBytes",
        1,
        MAX_RESPONSE_CAP,
        "bytes",
      ) ?? DEFAULT_MAX_RESPONSE_BYTES,
  };
}
