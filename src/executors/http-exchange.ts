import { Agent, request } from "undici";
import type { HttpMethod } from "./http-spec.js";
import type { PermanentExecutorError } from "./executor-errors.js";
import { assertLiteralTargetAllowed, guardedLookup, targetOf, type AllowRule } from "./ssrf-guard.js";

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface HttpExchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body's first `maxBytes` bytes (empty when `readBody` was false). */
  body: Buffer;
  truncated: boolean;
}

export interface ExchangeOptions {
  allow: readonly AllowRule[];
  connectMs: number;
  headersMs: number;
  maxBytes: number;
  /** Decides from the status and headers whether to read the body (not for a redirect to follow). */
  readBody: (status: number, headers: HttpExchange["headers"]) => boolean;
  signal: AbortSignal;
}

/**
 * One request and its response, through a connection of its own: the dispatcher's `lookup`
 * checks the addresses of this hop's host, and nothing is pooled across jobs or hops.
 * Reading stops at `maxBytes`: the connection is dropped rather than drained.
 */
export async function exchange(req: HttpRequest, options: ExchangeOptions): Promise<HttpExchange> {
  assertLiteralTargetAllowed(options.allow, req.url);
  // An object, not a variable: TypeScript does not see the callback assign a `let`.
  const seen: { refusal: PermanentExecutorError | null } = { refusal: null };
  const agent = new Agent({
    connect: {
      timeout: options.connectMs,
      lookup: guardedLookup(options.allow, targetOf(req.url), (found) => (seen.refusal = found)),
    },
    headersTimeout: options.headersMs,
    // The job's total time limit covers the body; undici's idle timer would only duplicate it.
    bodyTimeout: 0,
  });
  try {
    const response = await request(req.url, {
      dispatcher: agent,
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      signal: options.signal,
    });
    const { body, truncated } = options.readBody(response.statusCode, response.headers)
      ? await readCapped(response.body, options.maxBytes)
      : { body: Buffer.alloc(0), truncated: false };
    return { status: response.statusCode, headers: response.headers, body, truncated };
  } catch (error) {
    // The socket reports the lookup's refusal, possibly wrapped: the refusal is what happened.
    if (seen.refusal !== null) throw seen.refusal;
    throw error;
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

async function readCapped(
  body: AsyncIterable<Buffer>,
  maxBytes: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      size += room;
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}
