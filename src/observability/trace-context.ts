import { createTraceState, isSpanContextValid, type SpanContext } from "@opentelemetry/api";
import type { TraceContext } from "../domain/job.js";

/**
 * The W3C `traceparent` (version 00) and `tracestate` stored with a job, written and read here
 * rather than through the registered propagator: the stored format is TaskFlow's own, read back
 * only by TaskFlow, so linking works whatever propagator the application registered (or none).
 */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The stored form of a span's context; null when the context is invalid (no SDK registered). */
export function toTraceContext(spanContext: SpanContext): TraceContext | null {
  if (!isSpanContextValid(spanContext)) return null;
  const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, "0");
  const traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
  const tracestate = spanContext.traceState?.serialize() ?? "";
  return tracestate === "" ? { traceparent } : { traceparent, tracestate };
}

/** The remote span context a stored trace context describes; null when absent or malformed. */
export function fromTraceContext(stored: TraceContext | null): SpanContext | null {
  if (stored === null || typeof stored.traceparent !== "string") return null;
  const match = TRACEPARENT.exec(stored.traceparent);
  if (match === null) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  // Version ff is invalid; version 00 has exactly four fields (later versions may add more).
  if (version === "ff" || (version === "00" && rest !== undefined)) return null;
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16),
    isRemote: true,
    ...(typeof stored.tracestate === "string" && stored.tracestate !== ""
      ? { traceState: createTraceState(stored.tracestate) }
      : {}),
  };
  return isSpanContextValid(spanContext) ? spanContext : null;
}
