// An OpenTelemetry SDK for tests: an in-memory exporter behind a simple (synchronous) processor,
// and an AsyncLocalStorage context manager, registered globally until `unregister()`.
import { context, trace, type SpanContext } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from "@opentelemetry/sdk-trace-base";

export interface TestTraceSdk {
  exporter: InMemorySpanExporter;
  /** The finished spans named `name`, in the order they ended. */
  spans(name: string): ReadableSpan[];
  unregister(): Promise<void>;
}

export function registerTestTraceSdk(): TestTraceSdk {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return {
    exporter,
    spans: (name) => exporter.getFinishedSpans().filter((span) => span.name === name),
    unregister: async () => {
      trace.disable();
      context.disable();
      await provider.shutdown();
    },
  };
}

/** The span id of a span's parent, or undefined for a root span. */
export function parentSpanId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}

export function ids(span: { spanContext(): SpanContext }): { traceId: string; spanId: string } {
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}
