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
  "waiting->queued", // its dependencies finished
  "waiting->skipped", // a dependency failed on a "skip" edge
  "waiting->dead", // a dependency failed on a "fail" edge
  "waiting->cancelled", // cancel before its dependencies finished
  "running->compensating", // a saga failed for good: undo its completed steps
  "compensating->compensated",
  "compensating->compensation_failed",
  "compensation_failed->compensating", // replay of the compensation
]);

describe("job state transitions", () => {
  const pairs = ALL.flatMap((from) => ALL.map((to) => [from, to, ALLOWED.has(`${from}->${to}`)] as const));

  it.each(pairs)("%s -> %s allowed: %s", (from, to, allowed) => {
    expect(canTransition(from, to)).toBe(allowed);
  });

  it("lists exactly the ten states", () => {
    expect([...ALL].sort()).toEqual([
      "cancelled",
      "compensated",
      "compensating",
      "compensation_failed",
      "dead",
      "queued",
      "running",
      "skipped",
      "succeeded",
      "waiting",
    ]);
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

  it("reaches every state from queued or waiting (the states a job is enqueued in)", () => {
    const reached = new Set<JobState>(["queued", "waiting"]);
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

  it("counts succeeded, dead, cancelled, skipped, compensated and compensation_failed as finished", () => {
    expect([...FINISHED_STATES].sort()).toEqual([
      "cancelled",
      "compensated",
      "compensation_failed",
      "dead",
      "skipped",
      "succeeded",
    ]);
  });

  it("lets a finished job move only by replay: back to queued, or a failed compensation back to compensating", () => {
    for (const from of FINISHED_STATES)
      for (const to of JOB_TRANSITIONS[from])
        expect(to).toBe(from === "compensation_failed" ? "compensating" : "queued");
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
