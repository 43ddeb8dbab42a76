import { ErrorCode } from "../domain/errors.js";
import { CliError, CliErrorCode, ExitCode } from "./exit-codes.js";

export const DEFAULT_SERVICE_URL = "http://127.0.0.1:8080";
const REQUEST_TIMEOUT_MS = 60_000;

export type QueryValue = string | number | boolean | string[] | undefined;

/** The API's error format (src/server/http-errors.ts). */
interface ApiErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown>; requestId?: string };
}

export interface ApiClientOptions {
  url: string;
  /** Sent as `Authorization: Bearer …`; never printed. */
  token: string | undefined;
  /** @defaultValue 60 s */
  timeoutMs?: number;
}

/**
 * A client of the REST API for the CLI: JSON in and out, and every failure turned into a
 * `CliError` with the exit code scripts rely on (the API's `code` kept as sent).
 */
export class ApiClient {
  readonly #base: URL;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.#base = parseServiceUrl(options.url);
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? REQUEST_TIMEOUT_MS;
  }

  /** The service URL for messages, without credentials. */
  get url(): string {
    return displayUrl(this.#base);
  }

  get<T>(path: string, query: Record<string, QueryValue> = {}): Promise<T> {
    return this.request<T>("GET", path, query);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, {}, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }

  /** Follows `nextCursor` until the last page; `pageSize` items per request. */
  async getAll<T>(path: string, query: Record<string, QueryValue>, pageSize: number): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<{ items: T[]; nextCursor?: string | null }>(path, {
        ...query,
        limit: pageSize,
        cursor,
      });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    return items;
  }

  async request<T>(
    method: string,
    path: string,
    query: Record<string, QueryValue> = {},
    body?: unknown,
  ): Promise<T> {
    const target = new URL(path.replace(/^\//, ""), this.#base);
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined) continue;
      for (const item of Array.isArray(value) ? value : [value])
        target.searchParams.append(key, String(item));
    }
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token !== undefined && this.#token !== "") headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        // A redirect could carry the token elsewhere: say where the service is instead.
        redirect: "manual",
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      throw unreachable(this.url, error, this.#timeoutMs);
    }
    return this.#read<T>(response);
  }

  async #read<T>(response: Response): Promise<T> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unreachable(this.url, error, this.#timeoutMs);
    }
    const parsed = parseJson(text, response.headers.get("content-type"));
    if (response.ok) {
      if (response.status === 204) return undefined as T;
      if (parsed === undefined) throw this.#unexpected(response, "an answer that is not JSON");
      return parsed as T;
    }
    if (isApiError(parsed)) {
      const { code, message, details = {} } = parsed.error;
      throw new CliError(
        code,
        this.#explain(response.status, message),
        exitCodeOf(response.status, code),
        details,
      );
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get("location") ?? "elsewhere";
      throw new CliError(
        CliErrorCode.UnexpectedResponse,
        `the service at ${this.url} redirects to ${location}: pass that address as --url`,
        ExitCode.Failure,
      );
    }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      throw new CliError(
        CliErrorCode.ServiceUnreachable,
        `the service at ${this.url} is unavailable (HTTP ${response.status}): it may be stopping or starting, or a proxy cannot reach it`,
        ExitCode.ServiceUnreachable,
        { url: this.url, status: response.status },
      );
    }
    throw this.#unexpected(response, `HTTP ${response.status} without TaskFlow's error format`);
  }

  #explain(status: number, message: string): string {
    if (status !== 401) return message;
    return this.#token === undefined || this.#token === ""
      ? `${message} (no token given: set TASKFLOW_TOKEN, or pass --token)`
      : `${message} (the token given is malformed, unknown or revoked)`;
  }

  #unexpected(response: Response, what: string): CliError {
    return new CliError(
      CliErrorCode.UnexpectedResponse,
      `the service at ${this.url} sent ${what}; is --url the TaskFlow service?`,
      ExitCode.Failure,
      { url: this.url, status: response.status },
    );
  }
}

/** 401/403 → 4, the database behind the service unavailable → 3, other 4xx → 2, else 1. */
export function exitCodeOf(status: number, code: string): ExitCode {
  if (status === 401 || status === 403) return ExitCode.NotAllowed;
  if (code === ErrorCode.DatabaseUnavailable || code === ErrorCode.MigrationFailed)
    return ExitCode.DatabaseUnavailable;
  if (status >= 400 && status < 500) return ExitCode.InvalidInput;
  return ExitCode.Failure;
}

export function parseServiceUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new CliError(
      ErrorCode.InvalidOption,
      `--url must be an http(s) URL like ${DEFAULT_SERVICE_URL}, got ${JSON.stringify(url)}`,
      ExitCode.InvalidInput,
      { option: "url" },
      { cause: error },
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new CliError(
      ErrorCode.InvalidOption,
      `--url must start with http:// or https://, got ${parsed.protocol}//`,
      ExitCode.InvalidInput,
      { option: "url" },
    );
  }
  // Paths are resolved against the base: a service mounted under a prefix keeps it.
  if (!parsed.pathname.endsWith("/")) parsed.pathname = `${parsed.pathname}/`;
  parsed.search = "";
  parsed.hash = "";
  return parsed;
}

function displayUrl(url: URL): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  return copy.href.replace(/\/$/, "");
}

function unreachable(url: string, error: unknown, timeoutMs: number): CliError {
  const reason = describeNetworkError(error, timeoutMs);
  return new CliError(
    CliErrorCode.ServiceUnreachable,
    `cannot reach the TaskFlow service at ${url} (${reason}). Is it running? Start it with \`taskflow start\`, or point --url (or $TASKFLOW_URL) at it`,
    ExitCode.ServiceUnreachable,
    { url, reason },
    { cause: error },
  );
}

/** `connection refused`, `host not found`, `no answer within 5 s`… */
export function describeNetworkError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string } | null)?.name;
  if (name === "TimeoutError" || name === "AbortError") return `no answer within ${timeoutMs / 1000} s`;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  switch (cause?.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found";
    case "ECONNRESET":
    case "UND_ERR_SOCKET":
      return "connection reset";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    case "UND_ERR_CONNECT_TIMEOUT":
    case "ETIMEDOUT":
      return "connection timed out";
    default:
      return cause?.message ?? (error as Error)?.message ?? String(error);
  }
}

function parseJson(text: string, contentType: string | null): unknown {
  if (text === "" || !(contentType ?? "").includes("json")) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isApiError(body: unknown): body is ApiErrorBody {
  const error = (body as { error?: unknown } | null)?.error as
    { code?: unknown; message?: unknown } | undefined;
  return typeof error?.code === "string" && typeof error.message === "string";
}
