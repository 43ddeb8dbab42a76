import { Type } from "@sinclair/typebox";
import { duration, limit, names, oneOf, size, strict } from "./schema-kinds.js";

// The schemas of the entries of `tasks:`, `calendars:` and `schedules:` (and of a retry policy).
export const RetrySchema = Type.Object(
  {
    kind: oneOf(["fixed", "exponential"] as const, "fixed: the same delay each time; exponential: growing"),
    delay: Type.Optional(duration("fixed: the delay between attempts")),
    base: Type.Optional(duration("exponential: the delay after the first failure (default 1s)")),
    factor: Type.Optional(
      Type.Number({ minimum: 1, description: "exponential: multiplier per failure (default 2)" }),
    ),
    cap: Type.Optional(duration("exponential: the longest delay (default 1h)")),
    jitter: Type.Optional(
      oneOf(["full", "equal", "none"] as const, "exponential: randomization (default full)"),
    ),
  },
  { ...strict, description: "when to retry a failed attempt" },
);

/** Options a task may set, and `taskDefaults` gives to every task that does not. */
const taskOptions = {
  timeout: Type.Optional(limit("per-attempt time limit; the handler's signal aborts when it is reached")),
  maxAttempts: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 1_000_000, description: "attempts before the job is dead" }),
  ),
  retry: Type.Optional(RetrySchema),
  concurrency: Type.Optional(
    Type.Integer({ minimum: 1, description: "most attempts of the task running at once on one node" }),
  ),
  concurrencyKey: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 500,
      description:
        "a key its jobs carry (unless enqueued with their own): jobs of every task sharing a key run at most concurrencyKeyLimit at once across the cluster",
    }),
  ),
  concurrencyKeyLimit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      description: "how many jobs sharing one concurrency key may run at once (default 1)",
    }),
  ),
  rateLimit: Type.Optional(
    Type.Object(
      {
        max: Type.Integer({
          minimum: 1,
          maximum: 1_000_000,
          description: "attempts that may start per window",
        }),
        per: duration("the window, e.g. 1m"),
      },
      { ...strict, description: "at most max attempts start within any window of length per, cluster-wide" },
    ),
  ),
  circuitBreaker: Type.Optional(
    Type.Object(
      {
        consecutiveFailures: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 1_000_000,
            description: "failed attempts in a row that open it (default 5)",
          }),
        ),
        openFor: Type.Optional(
          duration("how long it holds the task's jobs before one probe runs (default 30s)"),
        ),
      },
      {
        ...strict,
        description:
          "after failures in a row, hold the task's jobs (queued) for a while, then let one probe through",
      },
    ),
  ),
};

export const ShellJobSchema = Type.Object(
  {
    command: Type.Array(Type.String(), {
      minItems: 1,
      description:
        'the program and its arguments (argv), e.g. [tar, czf, /tmp/b.tgz, /data]; no shell unless you run one: [sh, -c, "…"]',
    }),
    env: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: "extra environment variables; their values are redacted from stored output",
      }),
    ),
    cwd: Type.Optional(Type.String({ description: "working directory, relative to this file's folder" })),
    timeout: Type.Optional(
      duration("per-attempt time limit: the process group is killed when it is reached"),
    ),
  },
  { ...strict, description: "a shell job (needs executors.shell.enabled: true)" },
);

export const HttpJobSchema = Type.Object(
  {
    method: Type.Optional(
      Type.String({ description: "GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS (default GET)" }),
    ),
    url: Type.String({ description: "an http:// or https:// URL, without user:password" }),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: "request headers; secret-looking values are redacted from logs",
      }),
    ),
    body: Type.Optional(
      Type.Unknown({ description: "a string is sent as is; any other value as JSON (not with GET or HEAD)" }),
    ),
    expectStatus: Type.Optional(
      Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), {
        minItems: 1,
        description: "statuses that count as success (default: any 2xx)",
      }),
    ),
    timeouts: Type.Optional(
      Type.Object(
        {
          connect: Type.Optional(duration("to connect (default: executors.http.timeouts.connect)")),
          headers: Type.Optional(
            duration("to receive the headers (default: executors.http.timeouts.headers)"),
          ),
          total: Type.Optional(duration("for the whole exchange (default: executors.http.timeouts.total)")),
        },
        strict,
      ),
    ),
    maxResponseBytes: Type.Optional(
      size("bytes of the response body kept (default: executors.http.maxResponseBytes)"),
    ),
    followRedirects: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 20, description: "redirects followed (default 0: none)" }),
    ),
  },
  { ...strict, description: "an HTTP request job" },
);

export const TaskSchema = Type.Object(
  {
    description: Type.Optional(Type.String({ description: "for people; shown nowhere else" })),
    module: Type.Optional(
      Type.String({
        minLength: 1,
        description: "code task: an ES module path, relative to this file's folder",
      }),
    ),
    export: Type.Optional(
      Type.String({ minLength: 1, description: "code task: the export holding the task (default: default)" }),
    ),
    shell: Type.Optional(ShellJobSchema),
    http: Type.Optional(HttpJobSchema),
    ...taskOptions,
  },
  { ...strict, description: "exactly one of module, shell, http" },
);

export const CalendarEntrySchema = Type.Union(
  [
    Type.String({ description: "a date YYYY-MM-DD" }),
    Type.Object({ from: Type.String(), to: Type.String() }, strict),
  ],
  { errorMessage: 'must be a date "YYYY-MM-DD" or a range { from: "YYYY-MM-DD", to: "YYYY-MM-DD" }' },
);

export const ScheduleSchema = Type.Object(
  {
    id: Type.String({ description: "unique id: letters, digits and _ . : - /" }),
    task: Type.String({ description: "a task of tasks: (or of externalTasks:)" }),
    payload: Type.Optional(Type.Unknown({ description: "the JSON payload of each run" })),
    cron: Type.Optional(
      Type.String({ description: 'cron expression (croner syntax, optional seconds): "0 3 * * *"' }),
    ),
    every: Type.Optional(duration("a fixed interval, at least 1s")),
    at: Type.Optional(Type.String({ description: "one run at this ISO 8601 date-time" })),
    after: Type.Optional(
      Type.Union(
        [
          Type.String({ description: "the id of the schedule this one follows" }),
          Type.Object(
            {
              schedule: Type.String({ description: "the id of the schedule this one follows" }),
              onFailure: Type.Optional(
                oneOf(
                  ["skip", "fail", "continue"] as const,
                  "when the leader's run ended other than succeeded (default skip)",
                ),
              ),
            },
            strict,
          ),
        ],
        {
          errorMessage: 'must be a schedule id or { schedule: "<id>", onFailure: skip | fail | continue }',
        },
      ),
    ),
    timezone: Type.Optional(Type.String({ description: "IANA time zone of cron and offset-less dates" })),
    startAt: Type.Optional(Type.String({ description: "no occurrence before this date-time" })),
    endAt: Type.Optional(Type.String({ description: "no occurrence after this date-time" })),
    jitter: Type.Optional(duration("each run starts up to this much after its fire time, at random")),
    catchup: Type.Optional(oneOf(["skip", "latest", "all"] as const, "occurrences missed during downtime")),
    catchupWindow: Type.Optional(duration("missed occurrences older than this are skipped")),
    maxCatchup: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 100_000, description: "catchup all: at most this many" }),
    ),
    overlap: Type.Optional(
      oneOf(
        ["allow", "skip", "queue", "replace"] as const,
        "when the previous run is still queued or running",
      ),
    ),
    calendars: Type.Optional(names("exclusion calendars (of calendars:) whose dates are skipped")),
    queue: Type.Optional(Type.String({ description: "queue of the runs" })),
    priority: Type.Optional(Type.Integer({ description: "higher runs first" })),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, description: "overrides the task's" })),
    timeout: Type.Optional(duration("overrides the task's")),
    retry: Type.Optional(RetrySchema),
  },
  { ...strict, description: "exactly one of cron, every, at, after" },
);
