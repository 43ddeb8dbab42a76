import { ErrorCode, TaskFlowError } from "../domain/errors.js";
import type { TaskContext, TaskDefinition } from "../domain/task.js";
import type { Clock } from "../time/clock.js";
import { SystemClock } from "../time/system-clock.js";
import { safeLog, type ExecutorRuntime } from "./executor-runtime.js";
import { exchange, type ExchangeOptions, type HttpExchange, type HttpRequest } from "./http-exchange.js";
import { httpRequestSecrets, loggedHeaders, safeUrl } from "./http-redaction.js";
import {
  DEFAULT_CONNECT_MS,
  DEFAULT_HEADERS_MS,
  DEFAULT_TOTAL_MS,
  resolveHttpSettings,
  resolveHttpSpec,
  type HttpExecutorSettings,
  type HttpJobSpec,
  type ResolvedHttpSettings,
} from "./http-spec.js";
import { storableText } from "./output-capture.js";
import { createRedactor, type Redactor } from "./redact.js";

/** What a successful HTTP job stores as its result. */
export interface HttpResult {
  status: number;
  /** Only these response headers are kept. */
  headers: { "content-type"?: string; "content-length"?: string; location?: string };
  /** The body as text, capped at maxResponseBytes, secrets redacted. */
  body: string;
  truncated: boolean;
  durationMs: number;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials that must not follow a redirect to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "cookie", "proxy-authorization"];
/** Headers that describe a request body, dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location"];
const BODY_START_IN_ERROR = 500;

/** A task that sends the request of `spec`, guarded against SSRF by the settings' allow-list. */
export function httpTask(
  spec: HttpJobSpec,
  settings: HttpExecutorSettings = {},
  runtime: ExecutorRuntime = {},
): TaskDefinition<unknown, HttpResult> {
  const resolved = resolveHttpSettings(settings);
  const clock = runtime.clock ?? new SystemClock();
  return { run: (ctx) => runHttpJob(spec, resolved, clock, ctx) };
}

/** Validates a raw spec and the settings: for the config loader. */
export function createHttpTask(
  raw: unknown,
  settings: HttpExecutorSettings = {},
  runtime: ExecutorRuntime = {},
): TaskDefinition<unknown, HttpResult> {
  return httpTask(resolveHttpSpec(raw), settings, runtime);
}

/** Everything one hop needs besides its request. */
interface Hop {
  ctx: TaskContext<unknown>;
  clock: Clock;
  redact: Redactor;
  exchange: Omit<ExchangeOptions, "readBody">;
  totalMs: number;
  /** Aborted by our own timer when `totalMs` runs out. */
  total: AbortSignal;
}

async function runHttpJob(
  spec: HttpJobSpec,
  settings: ResolvedHttpSettings,
  clock: Clock,
  ctx: TaskContext<unknown>,
): Promise<HttpResult> {
  ctx.signal.throwIfAborted();
  const maxRedirects = spec.followRedirects ?? 0;
  const totalMs = spec.totalMs ?? DEFAULT_TOTAL_MS;
  const started = clock.now();
  const total = new AbortController();
  const timer = clock.setTimer(started + totalMs, () => total.abort());
  const hop: Hop = {
    ctx,
    clock,
    redact: createRedactor(httpRequestSecrets(spec)),
    exchange: {
      allow: settings.allow,
      connectMs: spec.connectMs ?? DEFAULT_CONNECT_MS,
      headersMs: spec.headersMs ?? DEFAULT_HEADERS_MS,
      maxBytes: spec.maxResponseBytes ?? settings.maxResponseBytes,
      signal: AbortSignal.any([ctx.signal, total.signal]),
    },
    totalMs,
    total: total.signal,
  };
  try {
    let req = firstRequest(spec);
    for (let redirects = 0; ; redirects++) {
      const response = await send(
        req,
        hop,
        (status, headers) => redirectTarget(status, headers, maxRedirects) === null,
      );
      const location = redirectTarget(response.status, response.headers, maxRedirects);
      if (location === null) return finish(spec, req, response, clock.now() - started, hop.redact);
      if (redirects >= maxRedirects) {
        throw new TaskFlowError(
          `${describeRequest(req, hop.redact)} was redirected more than ${maxRedirects} times (followRedirects)`,
          {
            code: ErrorCode.HttpFailed,
            details: { followRedirects: maxRedirects },
          },
        );
      }
      req = nextRequest(req, response.status, location, hop.redact);
    }
  } finally {
    timer.cancel();
  }
}

/** One request, logged as one line (method, safe URL, status or error, duration). */
async function send(
  req: HttpRequest,
  hop: Hop,
  readBody: ExchangeOptions["readBody"],
): Promise<HttpExchange> {
  const started = hop.clock.now();
  const line = {
    method: req.method,
    url: safeUrl(req.url, hop.redact),
    headers: loggedHeaders(req.headers, hop.redact),
  };
  try {
    const response = await exchange(req, { ...hop.exchange, readBody });
    const durationMs = hop.clock.now() - started;
    await safeLog(hop.ctx, "info", `${req.method} ${line.url} → ${response.status}`, {
      ...line,
      status: response.status,
      durationMs,
    });
    return response;
  } catch (error) {
    const failure = hopFailure(error, req, hop);
    const durationMs = hop.clock.now() - started;
    const code = failure instanceof TaskFlowError ? failure.code : undefined;
    await safeLog(hop.ctx, "warn", `${req.method} ${line.url} failed`, {
      ...line,
      error: code ?? null,
      durationMs,
    });
    throw failure;
  }
}

function firstRequest(spec: HttpJobSpec): HttpRequest {
  const headers = { ...(spec.headers ?? {}) };
  let body: string | undefined;
  if (typeof spec.body === "string") body = spec.body;
  else if (spec.body !== undefined && spec.body !== null) {
    body = JSON.stringify(spec.body);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
    }
  }
  return { method: spec.method ?? "GET", url: new URL(spec.url), headers, body };
}

/** The URL to follow, or null when the response is final (not a redirect, or none to follow). */
function redirectTarget(
  status: number,
  headers: HttpExchange["headers"],
  maxRedirects: number,
): string | null {
  if (maxRedirects === 0 || !REDIRECT_STATUSES.has(status)) return null;
  return firstValue(headers.location) ?? null;
}

/**
 * The request a redirect asks for, as browsers make it: 303 (and 301/302 after a POST) becomes
 * a GET without body; credentials are not sent to another origin.
 */
function nextRequest(req: HttpRequest, status: number, location: string, redact: Redactor): HttpRequest {
  let url: URL;
  try {
    url = new URL(location, req.url);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TaskFlowError(
      `${describeRequest(req, redact)} redirected to ${redact(location)}, which is not an http(s) URL`,
      {
        code: ErrorCode.HttpFailed,
      },
    );
  }
  url.username = "";
  url.password = "";
  const toGet =
    (status === 303 && req.method !== "HEAD") ||
    ((status === 301 || status === 302) && req.method === "POST");
  const drop = [...(url.origin === req.url.origin ? [] : CREDENTIAL_HEADERS), ...(toGet ? BODY_HEADERS : [])];
  const headers = Object.fromEntries(
    Object.entries(req.headers).filter(([name]) => !drop.includes(name.toLowerCase())),
  );
  return { method: toGet ? "GET" : req.method, url, headers, body: toGet ? undefined : req.body };
}

function finish(
  spec: HttpJobSpec,
  req: HttpRequest,
  response: HttpExchange,
  durationMs: number,
  redact: Redactor,
): HttpResult {
  const body = redact(storableText(response.body));
  const expected = spec.expectStatus;
  const ok =
    expected === undefined
      ? response.status >= 200 && response.status < 300
      : expected.includes(response.status);
  if (!ok) {
    const start = body.length > BODY_START_IN_ERROR ? `${body.slice(0, BODY_START_IN_ERROR)}…` : body;
    throw new TaskFlowError(
      `${describeRequest(req, redact)} answered ${response.status}, expected ${expected === undefined ? "2xx" : expected.join(" or ")}${start === "" ? "" : `; body starts: ${start}`}`,
      {
        code: ErrorCode.HttpUnexpectedStatus,
        details: { status: response.status, expectStatus: expected ?? "2xx" },
      },
    );
  }
  const headers: HttpResult["headers"] = {};
  for (const name of ["content-type", "content-length", "location"] as const) {
    const value = firstValue(response.headers[name]);
    if (value !== undefined) headers[name] = redact(value);
  }
  return { status: response.status, headers, body, truncated: response.truncated, durationMs };
}

/**
 * What a failed hop means for the job: the reason of an aborted attempt (timeout, cancel,
 * shutdown) as is; our refusals as is; a timeout naming which one; else HTTP_FAILED.
 */
function hopFailure(error: unknown, req: HttpRequest, hop: Hop): unknown {
  if (hop.ctx.signal.aborted) return hop.ctx.signal.reason;
  if (error instanceof TaskFlowError) return error;
  const what = describeRequest(req, hop.redact);
  const timeout = (which: string, option: string, ms: number) =>
    new TaskFlowError(`${what} timed out: no ${which} within ${option} (${ms} ms)`, {
      code: ErrorCode.HttpTimeout,
      cause: error,
      details: { timeout: option, ms },
    });
  if (hop.total.aborted) return timeout("complete response", "totalMs", hop.totalMs);
  const code = errorCode(error);
  if (code === "UND_ERR_CONNECT_TIMEOUT") return timeout("connection", "connectMs", hop.exchange.connectMs);
  if (code === "UND_ERR_HEADERS_TIMEOUT")
    return timeout("response headers", "headersMs", hop.exchange.headersMs);
  const message = error instanceof Error ? error.message : String(error);
  return new TaskFlowError(
    hop.redact(`${what} failed: ${message}${code === undefined ? "" : ` (${code})`}`),
    {
      code: ErrorCode.HttpFailed,
      cause: error,
      details: { errno: code ?? null },
    },
  );
}

function errorCode(error: unknown): string | undefined {
  for (
    let current = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth++
  ) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function describeRequest(req: HttpRequest, redact: Redactor): string {
  return `${req.method} ${safeUrl(req.url, redact)}`;
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
