import { Type, type TSchema } from "@sinclair/typebox";
import { JobState } from "../domain/job-state.js";

// Request schemas shared by the routes. Strings that reach SQL filters refuse control
// characters (PostgreSQL cannot store NUL), so such input is a 400, never a 500.

const NO_CONTROL = "^[^\\u0000-\\u001f\\u007f]*$";

export const Text = (maxLength = 200) => Type.String({ minLength: 1, maxLength, pattern: NO_CONTROL });

/** Schedule ids and task names: what the engine accepts (letters, digits and `_ . : - /`). */
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9_.:\\-/]+$" });

export const JobId = Type.String({ pattern: "^[0-9]{1,18}$", description: "a job id" });

export const Limit = Type.Integer({ minimum: 1, maximum: 500, default: 50 });

export const Duration = Type.Union([
  Type.String({ maxLength: 50, pattern: NO_CONTROL }),
  Type.Number({ minimum: 0 }),
]);

export const JobStateName = Type.Union(Object.values(JobState).map((s) => Type.Literal(s)));

export const RetryPolicyBody = Type.Union([
  Type.Object({ kind: Type.Literal("fixed"), delay: Duration }, { additionalProperties: false }),
  Type.Object(
    {
      kind: Type.Literal("exponential"),
      base: Type.Optional(Duration),
      factor: Type.Optional(Type.Number({ minimum: 1 })),
      cap: Type.Optional(Duration),
      jitter: Type.Optional(Type.Union([Type.Literal("full"), Type.Literal("equal"), Type.Literal("none")])),
    },
    { additionalProperties: false },
  ),
]);

/** A schedule's definition (the engine checks cron, time zone, dates and policies). */
export const ScheduleBody = Type.Object(
  {
    task: Name,
    payload: Type.Optional(Type.Unknown()),
    cron: Type.Optional(Type.String({ maxLength: 200 })),
    every: Type.Optional(Duration),
    at: Type.Optional(Type.String({ maxLength: 100 })),
    after: Type.Optional(
      Type.Union([
        Type.String({ maxLength: 200 }),
        Type.Object(
          {
            schedule: Type.String({ maxLength: 200 }),
            onFailure: Type.Optional(
              Type.Union([Type.Literal("fail"), Type.Literal("skip"), Type.Literal("continue")]),
            ),
          },
          { additionalProperties: false },
        ),
      ]),
    ),
    timezone: Type.Optional(Type.String({ maxLength: 100 })),
    startAt: Type.Optional(Type.String({ maxLength: 100 })),
    endAt: Type.Optional(Type.String({ maxLength: 100 })),
    jitter: Type.Optional(Duration),
    catchup: Type.Optional(Type.Union([Type.Literal("skip"), Type.Literal("latest"), Type.Literal("all")])),
    catchupWindow: Type.Optional(Duration),
    maxCatchup: Type.Optional(Type.Integer({ minimum: 0 })),
    overlap: Type.Optional(
      Type.Union([
        Type.Literal("allow"),
        Type.Literal("skip"),
        Type.Literal("queue"),
        Type.Literal("replace"),
      ]),
    ),
    calendars: Type.Optional(Type.Array(Name, { maxItems: 50 })),
    queue: Type.Optional(Name),
    priority: Type.Optional(Type.Integer()),
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1 })),
    timeout: Type.Optional(Duration),
    retry: Type.Optional(RetryPolicyBody),
  },
  { additionalProperties: false },
);

export const Page = <T extends TSchema>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], {
      description: "pass as the cursor parameter for the next page; null on the last page",
    }),
  });

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
    requestId: Type.String(),
  }),
});

/** The next cursor of a page: the last item's key when the page is full. */
export function nextCursor<T>(items: T[], limit: number, key: (item: T) => string): string | null {
  const last = items.at(-1);
  return items.length === limit && last !== undefined ? key(last) : null;
}
