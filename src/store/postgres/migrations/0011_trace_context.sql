-- 0011_trace_context.sql — the W3C trace context of the span that enqueued a job (an enqueue call,
-- or the fire of a schedule's occurrence), so that every attempt of the job, on any node, is a
-- child of that span in the same trace. NULL when no tracing SDK was registered at enqueue.

-- {"traceparent": "00-<trace id>-<span id>-<flags>", "tracestate": "…"} (tracestate only if any).
ALTER TABLE jobs ADD COLUMN trace_context jsonb;
