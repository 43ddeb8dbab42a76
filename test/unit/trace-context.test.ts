import { createTraceState, INVALID_SPAN_CONTEXT, TraceFlags } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { fromTraceContext, toTraceContext } from "../../src/observability/trace-context.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN_ID = "00f067aa0ba902b7";

describe("the trace context stored with a job", () => {
  it("writes a sampled span context as a version 00 traceparent, with its tracestate", () => {
    const spanContext = {
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState("vendor=a,other=b"),
    };
    expect(toTraceContext(spanContext)).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`,
      tracestate: "vendor=a,other=b",
    });
  });

  it("keeps an unsampled flag, and writes no tracestate when there is none", () => {
    expect(toTraceContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.NONE })).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-00`,
    });
  });

  it("stores nothing for the invalid context of a span without an SDK", () => {
    expect(toTraceContext(INVALID_SPAN_CONTEXT)).toBeNull();
  });

  it("reads back what it wrote as a remote parent", () => {
    const read = fromTraceContext({ traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: "vendor=a" });
    expect(read).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1, isRemote: true });
    expect(read?.traceState?.get("vendor")).toBe("a");
  });

  it.each([
    ["no context", null],
    ["an all-zero trace id", { traceparent: `00-${"0".repeat(32)}-${SPAN_ID}-01` }],
    ["version ff", { traceparent: `ff-${TRACE_ID}-${SPAN_ID}-01` }],
    ["a version 00 with extra fields", { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01-extra` }],
    ["upper-case hex", { traceparent: `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01` }],
    ["not a traceparent", { traceparent: "garbage" }],
  ])("ignores %s", (_, stored) => {
    expect(fromTraceContext(stored)).toBeNull();
  });

  it("accepts a later version's extra fields", () => {
    expect(fromTraceContext({ traceparent: `01-${TRACE_ID}-${SPAN_ID}-01-later` })?.traceId).toBe(TRACE_ID);
  });
});
