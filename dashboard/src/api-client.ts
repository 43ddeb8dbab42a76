// The one place the dashboard talks HTTP. The session lives in an HttpOnly cookie the browser
// sends by itself; the CSRF token is kept in memory only (never in web storage) and sent with
// every request that changes something.

export type QueryValue = string | number | boolean | string[] | undefined | null;

/** An error answered by the API: `{ error: { code, message, details, requestId } }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

let csrfToken: string | null = null;
const signedOutListeners = new Set<() => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the API answers 401 to a signed-in page (session expired, token revoked). */
export function onSignedOut(listener: () => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function queryString(query: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text === "" ? "" : `?${text}`;
}

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
  /** A 401 is the expected answer (the sign-in check), not a lost session. */
  expectSignedOut?: boolean;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken !== null) headers["x-csrf-token"] = csrfToken;
  const response = await fetch(`${path}${queryString(options.query ?? {})}`, {
    method,
    headers,
    credentials: "same-origin",
    cache: "no-store",
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  if (response.status === 204) return undefined as T;
  const body = (await response.json().catch(() => null)) as unknown;
  if (!response.ok) {
    const error = toApiError(response.status, body);
    if (error.status === 401 && options.expectSignedOut !== true) {
      for (const listener of signedOutListeners) listener();
    }
    throw error;
  }
  return body as T;
}

function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: Partial<Record<string, unknown>> } | null)?.error;
  if (error === undefined || error === null || typeof error.message !== "string") {
    return new ApiError(status, "HTTP_ERROR", `the server answered ${status}`);
  }
  return new ApiError(
    status,
    typeof error.code === "string" ? error.code : "HTTP_ERROR",
    error.message,
    typeof error.details === "object" && error.details !== null
      ? (error.details as Record<string, unknown>)
      : {},
    typeof error.requestId === "string" ? error.requestId : null,
  );
}

/** A message for a person, whatever was thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return "the server cannot be reached";
  if (error instanceof Error) return error.message;
  return String(error);
}

export function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
