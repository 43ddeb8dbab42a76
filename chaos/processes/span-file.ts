// span-file.ts — a child process's OpenTelemetry SDK for the cross-process trace test: finished
// spans are kept in memory and written, as JSON, to the file the parent names.
import { writeFileSync } from "node:fs";
import { context, trace, type AttributeValue } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";

/** A finished span as the child writes it. */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: number;
  status: { code: number; message?: string };
  attributes: Record<string, AttributeValue | undefined>;
  events: { name: string; attributes: Record<string, AttributeValue | undefined> }[];
}

/** The environment of a traced child process. */
export interface TracedChildEnv {
  database: string;
  schema: string;
  spanFile: string;
  /** The worker's job to wait for. */
  jobId?: string;
}

export const TRACED_TASK = "chaos.traced";

export function readTracedChildEnv(): TracedChildEnv {
  return JSON.parse(process.env.TASKFLOW_TRACED_CHILD ?? "{}") as TracedChildEnv;
}

/** Registers the SDK globally; `write()` saves every span finished so far to `file`. */
export function registerSpanFileSdk(file: string): { write(): void } {
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  );
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    write: () => writeFileSync(file, JSON.stringify(exporter.getFinishedSpans().map(toRecord), null, 1)),
  };
}

function toRecord(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  return {
    traceId,
    spanId,
    parentSpanId: span.parentSpanContext?.spanId ?? null,
    name: span.name,
    kind: span.kind,
    status: span.status,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
  };
}
