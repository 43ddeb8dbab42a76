import { Type, type Static } from "@sinclair/typebox";
import { AlertsSchema } from "./alerts-schema.js";
import { CalendarEntrySchema, RetrySchema, ScheduleSchema, TaskSchema } from "./entry-schemas.js";
import { DURATION_PATTERN, DURATION_TEXT, duration, limit, names, size, strict } from "./schema-kinds.js";

// The file as a person writes it: durations and sizes as text, defaults documented with
// `default`. Only shapes are checked here; cron expressions, time zones, names and references
// are checked with the engine's own functions (resolve-*.ts) so the file and the API agree.

/** The defaults of taskflow.yaml, as written in the file (docs/configuration.md lists them). */
export const CONFIG_DEFAULTS = {
  dataDir: "./.taskflow/data",
  schema: "taskflow",
  server: { host: "127.0.0.1", port: 8080, bodyLimit: "1mb" },
  worker: { concurrency: 10, leaseDuration: "30s", drainTimeout: "10s" },
  retention: { finishedJobs: "7d" },
  shell: {
    enabled: false,
    maxOutputBytes: "1mb",
    inheritEnv: ["PATH", "HOME", "LANG", "TZ"],
    killGrace: "2s",
  },
  http: { maxResponseBytes: "1mb", timeouts: { connect: "10s", headers: "30s", total: "60s" } },
  taskDefaults: {
    timeout: "5m",
    maxAttempts: 3,
    retry: { kind: "exponential", base: "1s", factor: 2, cap: "1h", jitter: "full" },
  },
} as const;

export const ConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: "for editors: the JSON schema of this file" })),
    database: Type.Optional(
      Type.String({
        description: "PostgreSQL URL (postgres://…); empty or absent: the embedded database in dataDir",
      }),
    ),
    dataDir: Type.Optional(
      Type.String({
        description: "folder of the embedded database, relative to this file",
        default: CONFIG_DEFAULTS.dataDir,
      }),
    ),
    schema: Type.Optional(
      Type.String({ description: "PostgreSQL schema of TaskFlow's tables", default: CONFIG_DEFAULTS.schema }),
    ),
    server: Type.Optional(
      Type.Object(
        {
          host: Type.Optional(
            Type.String({
              description: "address the REST API listens on",
              default: CONFIG_DEFAULTS.server.host,
            }),
          ),
          port: Type.Optional(
            Type.Integer({
              minimum: 0,
              maximum: 65_535,
              description: "port of the REST API",
              default: CONFIG_DEFAULTS.server.port,
            }),
          ),
          bodyLimit: Type.Optional(size("largest request body", CONFIG_DEFAULTS.server.bodyLimit)),
          trustProxy: Type.Optional(
            Type.Boolean({
              description:
                "trust X-Forwarded-* headers from a TLS-terminating proxy in front (the session cookie is then Secure on https)",
              default: false,
            }),
          ),
        },
        { ...strict, default: {} },
      ),
    ),
    worker: Type.Optional(
      Type.Object(
        {
          concurrency: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 10_000,
              description: "most jobs running at once",
              default: CONFIG_DEFAULTS.worker.concurrency,
            }),
          ),
          queues: Type.Optional(names("serve only these queues (default: every queue)")),
          leaseDuration: Type.Optional(
            duration(
              "how long a claimed job stays leased without a heartbeat",
              CONFIG_DEFAULTS.worker.leaseDuration,
            ),
          ),
          drainTimeout: Type.Optional(
            duration(
              "on stop, how long running jobs may finish before they are released",
              CONFIG_DEFAULTS.worker.drainTimeout,
            ),
          ),
        },
        { ...strict, default: {} },
      ),
    ),
    retention: Type.Optional(
      Type.Object(
        {
          finishedJobs: Type.Optional(
            Type.Union(
              [Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN }), Type.Literal(false)],
              {
                description: "how long finished jobs and alert history are kept; 0 or false: for ever",
                default: CONFIG_DEFAULTS.retention.finishedJobs,
                errorMessage: `must be ${DURATION_TEXT}, or false to keep finished jobs for ever`,
              },
            ),
          ),
        },
        { ...strict, default: {} },
      ),
    ),
    executors: Type.Optional(
      Type.Object(
        {
          shell: Type.Optional(
            Type.Object(
              {
                enabled: Type.Optional(
                  Type.Boolean({
                    description: "allow shell jobs on this node",
                    default: CONFIG_DEFAULTS.shell.enabled,
                  }),
                ),
                maxOutputBytes: Type.Optional(
                  size("bytes kept of each of stdout and stderr", CONFIG_DEFAULTS.shell.maxOutputBytes),
                ),
                inheritEnv: Type.Optional(
                  names("variables of the node's environment a job sees", [
                    ...CONFIG_DEFAULTS.shell.inheritEnv,
                  ]),
                ),
                redactEnv: Type.Optional(
                  names("more variables whose values are redacted from stored output", []),
                ),
                killGrace: Type.Optional(
                  duration("time between SIGTERM and SIGKILL", CONFIG_DEFAULTS.shell.killGrace),
                ),
              },
              { ...strict, default: {} },
            ),
          ),
          http: Type.Optional(
            Type.Object(
              {
                allow: Type.Optional(
                  names("private or loopback targets allowed anyway: host:port, host, or CIDR", []),
                ),
                maxResponseBytes: Type.Optional(
                  size("bytes of a response body kept", CONFIG_DEFAULTS.http.maxResponseBytes),
                ),
                timeouts: Type.Optional(
                  Type.Object(
                    {
                      connect: Type.Optional(duration("to connect", CONFIG_DEFAULTS.http.timeouts.connect)),
                      headers: Type.Optional(
                        duration("to receive the response headers", CONFIG_DEFAULTS.http.timeouts.headers),
                      ),
                      total: Type.Optional(
                        duration("for the whole request", CONFIG_DEFAULTS.http.timeouts.total),
                      ),
                    },
                    { ...strict, default: {} },
                  ),
                ),
              },
              { ...strict, default: {} },
            ),
          ),
        },
        { ...strict, default: {} },
      ),
    ),
    taskDefaults: Type.Optional(
      Type.Object(
        {
          timeout: Type.Optional(
            limit("per-attempt time limit, or none", CONFIG_DEFAULTS.taskDefaults.timeout),
          ),
          maxAttempts: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 1_000_000,
              default: CONFIG_DEFAULTS.taskDefaults.maxAttempts,
            }),
          ),
          retry: Type.Optional(RetrySchema),
          concurrency: Type.Optional(
            Type.Integer({ minimum: 1, description: "default: the node's concurrency" }),
          ),
        },
        { ...strict, default: {} },
      ),
    ),
    calendars: Type.Optional(
      Type.Record(Type.String(), Type.Array(CalendarEntrySchema), {
        description: "exclusion calendars: name → dates and ranges",
        default: {},
      }),
    ),
    tasks: Type.Optional(
      Type.Record(Type.String(), TaskSchema, { description: "tasks by name", default: {} }),
    ),
    externalTasks: Type.Optional(names("tasks registered by other processes that schedules may name", [])),
    schedules: Type.Optional(Type.Array(ScheduleSchema, { default: [] })),
    alerts: Type.Optional(AlertsSchema),
  },
  { ...strict, title: "taskflow.yaml", description: "TaskFlow service configuration" },
);

export type RawConfig = Static<typeof ConfigSchema>;
export type RawTask = Static<typeof TaskSchema>;
export type RawSchedule = Static<typeof ScheduleSchema>;
export type RawRetry = Static<typeof RetrySchema>;

/**
 * The JSON schema of taskflow.yaml, for editors (`# yaml-language-server: $schema=…`) and
 * tools. A plain JSON value.
 */
export const configJsonSchema: Record<string, unknown> = {
  $schema: "http://json-schema.org/draft-07/schema#",
  ...(withoutKeyword(ConfigSchema, "errorMessage") as Record<string, unknown>),
};

function withoutKeyword(value: unknown, keyword: string): unknown {
  if (Array.isArray(value)) return value.map((item) => withoutKeyword(item, keyword));
  if (typeof value !== "object" || value === null) return value;
  // Object.entries skips TypeBox's symbol keys: what is left is plain JSON schema.
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== keyword)
      .map(([key, inner]) => [key, withoutKeyword(inner, keyword)]),
  );
}
