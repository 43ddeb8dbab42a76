import { describe, expect, it } from "vitest";
import {
  canTransition,
  FINISHED_STATES,
  isJobState,
  JOB_TRANSITIONS,
  JobState,
} from "../../src/domain/job-state.js";

const ALL: JobState[] = Object.values(JobState);

/** The state machine in the block comment of job-state.ts, written out pair by pair. */
const ALLOWED = new Set([
  "queued->running", // claim
  "queued->cancelled", // cancel before it runs
  "running->succeeded",
  "running->queued", // failure with attempts left, lease expired, or released on shutdown
  "running->dead", // failure with the budget exhausted, or PermanentError
  "running->cancelled", // cancel honoured
  "dead->queued", // replay
  "cancelled->queued", // replay
  "queued->skipped", // a schedule's occurrence not run (overlap policy)
]);

describe("job state transitions", () => {
  const pairs = ALL.flatMap((from) => ALL.map((to) => [from, to, ALLOWED.has(`${from}->${to}`)] as const));

  it.each(pairs)("%s -> %s allowed: %s", (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it("lists exactly the six states", () => {
    expect([...ALL].sort()).toEqual(["cancelled", "dead", "queued", "running", "skipped", "succeeded"]);
    expect(Object.keys(JOB_TRANSITIONS).sort()).toEqual([...ALL].sort());
  });

  it("names only known states as targets", () => {
    for (const targets of Object.values(JOB_TRANSITIONS))
      for (const to of targets) expect(isJobState(to)).toBe(true);
  });

  it("never moves a job to the state it is already in", () => {
    for (const state of ALL) expect(canTransition(state, state)).toBe(false);
  });

  it("leaves a succeeded job succeeded for good", () => {
    expect(JOB_TRANSITIONS.succeeded).toEqual([]);
  });

  it("lets a job reach only running from queued, so every run starts with a claim", () => {
    for (const from of ALL) if (from !== "queued") expect(canTransition(from, "running")).toBe(false);
  });

  it("reaches every state from queued", () => {
    const reached = new Set<JobState>(["queued"]);
    for (let grew = true; grew;) {
      grew = false;
      for (const from of [...reached])
        for (const to of JOB_TRANSITIONS[from])
          if (!reached.has(to)) {
            reached.add(to);
            grew = true;
          }
    }
    expect([...reached].sort()).toEqual([...ALL].sort());
  });

  it("counts succeeded, dead, cancelled and skipped as finished, and only those", () => {
    expect([...FINISHED_STATES].sort()).toEqual(["cancelled", "dead", "skipped", "succeeded"]);
  });

  it("lets a finished job move only by replay, back to queued", () => {
    for (const from of FINISHED_STATES) for (const to of JOB_TRANSITIONS[from]) expect(to).toBe("queued");
  });
});

describe("isJobState", () => {
  it.each(ALL)("recognises %j", (state) => {
    expect(isJobState(state)).toBe(true);
  });

  it.each<unknown>(["Queued", "QUEUED", "pending", "", " queued", null, undefined, 0, {}, ["queued"]])(
    "rejects %j",
    (value) => {
      expect(isJobState(value)).toBe(false);
    },
  );
});
