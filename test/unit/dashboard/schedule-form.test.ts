import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, request } from "../../../dashboard/src/api-client.js";
import {
  buildBody,
  EMPTY_FORM,
  fieldOfError,
  formFromSchedule,
  idError,
  type ScheduleForm,
} from "../../../dashboard/src/schedule-form.js";
import type { Schedule, ScheduleTiming } from "../../../dashboard/src/types.js";

function form(fields: Partial<ScheduleForm>): ScheduleForm {
  return { ...EMPTY_FORM, ...fields };
}

/** A stored schedule whose spec is `spec`, as GET /schedules/:id answers it. */
function scheduleWith(spec: Record<string, unknown>, id = "nightly-report"): Schedule {
  const timing: ScheduleTiming = { kind: "cron", expression: "0 2 * * *", timezone: "UTC" };
  return {
    id,
    owner: "api",
    task: typeof spec.task === "string" ? spec.task : "report",
    payload: spec.payload ?? null,
    spec,
    timing,
    overlap: "allow",
    catchup: "latest",
    paused: false,
    nextFireAt: null,
    lastFireAt: null,
    skippedCount: 0,
    createdAt: "2024-06-15T12:00:00.000Z",
    updatedAt: "2024-06-15T12:00:00.000Z",
  };
}

describe("buildBody", () => {
  it("builds a schedule that follows another, without the leader's time options", () => {
    const follows = form({
      task: "report",
      kind: "after",
      after: " etl ",
      timezone: "Europe/Berlin",
      catchup: "all",
    });
    expect(buildBody(follows, null, true)).toEqual({ body: { task: "report", after: "etl" }, errors: {} });
    expect(buildBody({ ...follows, onFailure: "continue" }, null, true).body).toEqual({
      task: "report",
      after: { schedule: "etl", onFailure: "continue" },
    });
    expect(buildBody(form({ task: "report", kind: "after" }), null, true).errors).toEqual({
      after: "Write the id of the schedule this one follows.",
    });
  });

  it("reads a follower back into the form and saves it unchanged", () => {
    const spec = { task: "report", after: { schedule: "etl", onFailure: "fail" } };
    const read = formFromSchedule(scheduleWith(spec));
    expect(read).toMatchObject({ kind: "after", after: "etl", onFailure: "fail" });
    expect(buildBody(read, spec, true).body).toEqual(spec);
    expect(formFromSchedule(scheduleWith({ task: "report", after: "etl" }))).toMatchObject({
      kind: "after",
      after: "etl",
      onFailure: "skip",
    });
  });

  it("builds a cron schedule with only what differs from the defaults", () => {
    const result = buildBody(form({ task: "report", kind: "cron", cron: "0 9 * * 1-5" }), null, true);
    expect(result).toEqual({ body: { task: "report", cron: "0 9 * * 1-5" }, errors: {} });
  });

  it("builds a cron schedule with every optional field", () => {
    const result = buildBody(
      form({
        task: "report",
        kind: "cron",
        cron: " 0 9 * * 1-5 ",
        timezone: "Europe/Berlin",
        payload: '{ "format": "pdf", "to": ["ops"] }',
        overlap: "skip",
        catchup: "all",
        maxAttempts: "3",
        timeout: "5m",
      }),
      null,
      true,
    );
    expect(result).toEqual({
      body: {
        task: "report",
        cron: "0 9 * * 1-5",
        timezone: "Europe/Berlin",
        overlap: "skip",
        catchup: "all",
        payload: { format: "pdf", to: ["ops"] },
        maxAttempts: 3,
        timeout: "5m",
      },
      errors: {},
    });
  });

  it("builds an interval, read as milliseconds when it is a bare number", () => {
    expect(buildBody(form({ task: "t", kind: "every", every: "30s" }), null, true).body).toEqual({
      task: "t",
      every: "30s",
    });
    expect(buildBody(form({ task: "t", kind: "every", every: " 1500 " }), null, true).body).toEqual({
      task: "t",
      every: 1500,
    });
  });

  it("reads a timeout as milliseconds when it is a bare number", () => {
    const { body } = buildBody(form({ task: "t", kind: "every", every: "1m", timeout: "5000" }), null, true);
    expect(body).toEqual({ task: "t", every: "1m", timeout: 5000 });
  });

  it("builds a one-off, with the zone its date-time is read in", () => {
    expect(buildBody(form({ task: "t", kind: "at", at: "2030-01-31T09:00" }), null, true).body).toEqual({
      task: "t",
      at: "2030-01-31T09:00",
    });
    const { body } = buildBody(
      form({ task: "t", kind: "at", at: "2030-01-31T09:00", timezone: "America/New_York" }),
      null,
      true,
    );
    expect(body).toEqual({ task: "t", at: "2030-01-31T09:00", timezone: "America/New_York" });
  });

  it("sends only the timing of the chosen kind", () => {
    const { body } = buildBody(
      form({ task: "t", kind: "every", cron: "0 9 * * *", every: "1h", at: "2030-01-31T09:00" }),
      null,
      true,
    );
    expect(body).toEqual({ task: "t", every: "1h" });
  });

  it.each(["cron", "every", "at"] as const)("asks for the %s value when it is empty or blank", (kind) => {
    const result = buildBody(form({ task: "t", kind, [kind]: "  " }), null, true);
    expect(result.body).toBeNull();
    expect(Object.keys(result.errors)).toEqual([kind]);
    expect(result.errors[kind]).toMatch(/^Write /);
  });

  it("asks for a task to save, not to preview", () => {
    const save = buildBody(form({ kind: "cron", cron: "* * * * *" }), null, true);
    expect(save.body).toBeNull();
    expect(save.errors).toEqual({ task: "Choose the task its runs execute." });
    const preview = buildBody(form({ kind: "cron", cron: "* * * * *" }), null, false);
    expect(preview).toEqual({ body: { cron: "* * * * *" }, errors: {} });
  });

  it("refuses a payload that is not JSON, saying why", () => {
    const result = buildBody(form({ task: "t", cron: "* * * * *", payload: "{ format: pdf }" }), null, true);
    expect(result.body).toBeNull();
    expect(Object.keys(result.errors)).toEqual(["payload"]);
    expect(result.errors.payload).toMatch(/^Not valid JSON: ./);
  });

  it("sends any JSON value as the payload, and none for a blank one", () => {
    const payloadOf = (payload: string) =>
      buildBody(form({ task: "t", cron: "* * * * *", payload }), null, true).body?.payload;
    expect(payloadOf("null")).toBeNull();
    expect(payloadOf("0")).toBe(0);
    expect(payloadOf('"text"')).toBe("text");
    expect(payloadOf("[1, 2]")).toEqual([1, 2]);
    const { body } = buildBody(form({ task: "t", cron: "* * * * *", payload: " \n " }), null, true);
    expect(body).not.toHaveProperty("payload");
  });

  it.each(["0", "-1", "2.5", "three", "1e3"])("refuses %j as max attempts", (maxAttempts) => {
    const result = buildBody(form({ task: "t", cron: "* * * * *", maxAttempts }), null, true);
    expect(result.body).toBeNull();
    expect(Object.keys(result.errors)).toEqual(["maxAttempts"]);
  });

  it("reports every problem at once", () => {
    const result = buildBody(form({ kind: "every", payload: "{", maxAttempts: "0" }), null, true);
    expect(result.body).toBeNull();
    expect(Object.keys(result.errors).sort()).toEqual(["every", "maxAttempts", "payload", "task"]);
  });

  it("keeps the fields the form does not show from the schedule being edited", () => {
    const original = {
      task: "old",
      cron: "0 9 * * *",
      payload: { old: true },
      retry: { base: "1s", max: "1m" },
      calendars: ["holidays"],
      startAt: "2024-01-01T00:00",
      jitter: "5s",
    };
    const { body } = buildBody(form({ task: "report", kind: "cron", cron: "0 10 * * *" }), original, true);
    expect(body).toEqual({
      task: "report",
      cron: "0 10 * * *",
      retry: { base: "1s", max: "1m" },
      calendars: ["holidays"],
      startAt: "2024-01-01T00:00",
      jitter: "5s",
    });
  });

  it("drops the old timing when the kind changes", () => {
    const original = { task: "t", every: "30s", timeout: "1m" };
    const { body } = buildBody(form({ task: "t", kind: "cron", cron: "*/5 * * * *" }), original, true);
    expect(body).toEqual({ task: "t", cron: "*/5 * * * *" });
  });

  it("keeps a default the edited schedule states, and sends a change back to the default", () => {
    const explicit = { task: "t", cron: "* * * * *", timezone: "UTC", overlap: "allow", catchup: "latest" };
    expect(buildBody(form({ task: "t", cron: "* * * * *" }), explicit, true).body).toEqual(explicit);
    const { body } = buildBody(
      form({ task: "t", cron: "* * * * *" }),
      { overlap: "skip", catchup: "all" },
      true,
    );
    expect(body).toEqual({ task: "t", cron: "* * * * *", overlap: "allow", catchup: "latest" });
  });

  it("sends no zone when the zone is blank", () => {
    const { body } = buildBody(form({ task: "t", cron: "* * * * *", timezone: "  " }), null, true);
    expect(body).toEqual({ task: "t", cron: "* * * * *" });
  });
});

describe("formFromSchedule", () => {
  it.each<[string, ScheduleForm]>([
    ["a cron with defaults", form({ id: "nightly-report", task: "report", kind: "cron", cron: "0 2 * * *" })],
    [
      "a cron with every field",
      form({
        id: "nightly-report",
        task: "report",
        kind: "cron",
        cron: "0 9 * * 1-5",
        timezone: "Europe/Berlin",
        payload: JSON.stringify({ format: "pdf", to: ["ops"] }, null, 2),
        overlap: "queue",
        catchup: "skip",
        maxAttempts: "5",
        timeout: "90s",
      }),
    ],
    [
      "an interval in milliseconds",
      form({ id: "nightly-report", task: "poll", kind: "every", every: "1500", timeout: "5000" }),
    ],
    ["an interval as text", form({ id: "nightly-report", task: "poll", kind: "every", every: "1h30m" })],
    [
      "a one-off in a zone",
      form({
        id: "nightly-report",
        task: "report",
        kind: "at",
        at: "2030-01-31T09:00",
        timezone: "America/New_York",
        payload: "null",
      }),
    ],
  ])("gives back the form of %s that buildBody saved", (_name, saved) => {
    const { body, errors } = buildBody(saved, null, true);
    expect(errors).toEqual({});
    const schedule = scheduleWith(body ?? {});
    const edited = formFromSchedule(schedule);
    expect(edited).toEqual(saved);
    expect(buildBody(edited, schedule.spec, true).body).toEqual(body);
  });

  it("rebuilds an edited schedule's spec unchanged, fields the form does not show included", () => {
    const spec = {
      task: "report",
      cron: "0 9 * * 1-5",
      timezone: "UTC",
      overlap: "allow",
      payload: { format: "pdf" },
      retry: { base: "1s" },
      calendars: ["holidays"],
      maxAttempts: 3,
      timeout: 30_000,
    };
    const schedule = scheduleWith(spec);
    expect(buildBody(formFromSchedule(schedule), schedule.spec, true).body).toEqual(spec);
  });

  it("fills in the defaults a spec leaves out", () => {
    expect(formFromSchedule(scheduleWith({ task: "report", every: 30_000 }))).toEqual({
      ...EMPTY_FORM,
      id: "nightly-report",
      task: "report",
      kind: "every",
      every: "30000",
    });
  });

  it("tells a null payload from no payload", () => {
    expect(formFromSchedule(scheduleWith({ task: "t", cron: "* * * * *", payload: null })).payload).toBe(
      "null",
    );
    expect(formFromSchedule(scheduleWith({ task: "t", cron: "* * * * *" })).payload).toBe("");
  });
});

describe("idError", () => {
  it.each(["nightly-report", "a", "team/reports:daily_v2.1", "A-Z.0-9", "x".repeat(200)])(
    "accepts %j",
    (id) => {
      expect(idError(id)).toBeNull();
    },
  );

  it("asks for an id when there is none", () => {
    expect(idError("")).toBe("Give the schedule an id.");
  });

  it.each(["has space", "x".repeat(201), "naïve", "a?b", "a#b", "semi;colon", "tab\t", "line\n", " padded"])(
    "refuses %j",
    (id) => {
      expect(idError(id)).toBe("Letters, digits and _ . : - / only (at most 200).");
    },
  );
});

describe("fieldOfError", () => {
  const error = (code: string, details: Record<string, unknown> = {}) =>
    new ApiError(400, code, "the API's message", details);

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("ignores what is not an API error", () => {
    expect(fieldOfError(new Error("cron is invalid"), "cron")).toBeNull();
    expect(fieldOfError({ error: { code: "INVALID_CRON", details: { option: "cron" } } }, "cron")).toBeNull();
    expect(fieldOfError("cron", "cron")).toBeNull();
  });

  it.each<[string, string, string]>([
    ["INVALID_DURATION", "every", "every"],
    ["INVALID_DURATION", "timeout", "timeout"],
    ["INVALID_SCHEDULE", "at", "at"],
    ["INVALID_SCHEDULE", "catchup", "catchup"],
    ["INVALID_OPTION", "maxAttempts", "maxAttempts"],
    ["EXISTS", "id", "id"],
  ])("maps %s about option %j to the field %j", (code, option, field) => {
    expect(fieldOfError(error(code, { option }), "cron")).toBe(field);
  });

  it.each(["startAt", "jitter", "retry", "kind", "worker.concurrency"])(
    "maps an option the form does not show (%j) to no field",
    (option) => {
      expect(fieldOfError(error("INVALID_SCHEDULE", { option }), "cron")).toBeNull();
    },
  );

  it("trusts a named option over the code", () => {
    expect(fieldOfError(error("INVALID_CRON", { option: "timezone" }), "cron")).toBe("timezone");
  });

  it("maps a bad onFailure of a follower to its field", () => {
    expect(fieldOfError(error("INVALID_SCHEDULE", { option: "after.onFailure" }), "after")).toBe("onFailure");
    expect(fieldOfError(error("INVALID_SCHEDULE", { option: "after" }), "after")).toBe("after");
  });

  it("maps 'exactly one of cron, every or at' to the kind being edited", () => {
    expect(fieldOfError(error("INVALID_SCHEDULE", { given: ["cron", "every"] }), "every")).toBe("every");
    expect(fieldOfError(error("INVALID_SCHEDULE", { given: [] }), "at")).toBe("at");
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["INVALID_CRON", { cron: "61 * * * *" }, "cron"],
    ["SCHEDULE_NEVER_FIRES", { cron: "0 0 30 2 *", timezone: "UTC" }, "cron"],
    ["INVALID_TIMEZONE", { timezone: '"Mars/Base"' }, "timezone"],
    ["INVALID_SCHEDULE", { every: "500ms" }, "every"],
  ])("maps %s to the field its details name", (code, details, field) => {
    expect(fieldOfError(error(code, details), "cron")).toBe(field);
  });

  it.each<[string, string]>([
    ["INVALID_CRON", "cron"],
    ["SCHEDULE_NEVER_FIRES", "cron"],
    ["INVALID_TIMEZONE", "timezone"],
    ["INVALID_PAYLOAD", "payload"],
    ["INVALID_TASK_NAME", "task"],
  ])("maps %s without details to the field %j", (code, field) => {
    expect(fieldOfError(error(code), "every")).toBe(field);
  });

  it.each<[string, string | null]>([
    ["/schedule/maxAttempts", "maxAttempts"],
    ["/timeout", "timeout"],
    ["/schedule/every", "every"],
    ["/retry/base", null],
    ["", null],
  ])("maps a schema problem at %j to %j", (path, field) => {
    const problem = error("INVALID_REQUEST", { part: "body", problems: [{ path, message: "is invalid" }] });
    expect(fieldOfError(problem, "cron")).toBe(field);
  });

  it("maps an error about nothing on the form to no field", () => {
    expect(fieldOfError(error("FORBIDDEN"), "cron")).toBeNull();
    expect(fieldOfError(error("INVALID_REQUEST", { problems: [] }), "cron")).toBeNull();
  });

  it("maps the error the API client throws for an API answer", async () => {
    const answer = {
      error: {
        code: "INVALID_DURATION",
        message: "timeout must be a number of milliseconds >= 0 or a string like …",
        details: { option: "timeout" },
        requestId: "req-1",
      },
    };
    vi.stubGlobal(
      "fetch",
      vi.fn(() =>
        Promise.resolve(
          new Response(JSON.stringify(answer), {
            status: 400,
            headers: { "content-type": "application/json" },
          }),
        ),
      ),
    );
    const thrown = await request("PUT", "/api/v1/schedules/nightly-report", { body: {} }).catch(
      (caught: unknown) => caught,
    );
    expect(thrown).toBeInstanceOf(ApiError);
    expect(fieldOfError(thrown, "cron")).toBe("timeout");
  });

  it("maps an answer the API client cannot read to no field", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(() => Promise.resolve(new Response("Bad Gateway", { status: 502 }))),
    );
    const thrown = await request("GET", "/api/v1/schedules").catch((caught: unknown) => caught);
    expect(thrown).toBeInstanceOf(ApiError);
    expect(fieldOfError(thrown, "cron")).toBeNull();
  });
});
