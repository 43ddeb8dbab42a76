import { describe, expect, it } from "vitest";
import { eventFindings } from "../../../src/alerts/alert-rules.js";
import type { FinishedJobEvent } from "../../../src/store/alert-store.js";

const FIRE_AT = new Date("2030-01-01T03:00:00.000Z");
const RECORDED_AT = new Date("2030-01-01T03:10:45.000Z");

/** A skipped occurrence of schedule `nightly`, recorded with the error the scheduler stores. */
function skipped(
  error: { code: string; name: string; message: string },
  schedulePaused = false,
): FinishedJobEvent {
  return {
    id: "42",
    task: "report",
    queue: "default",
    state: "skipped",
    scheduleId: "nightly",
    fireAt: FIRE_AT,
    startedAt: null,
    finishedAt: RECORDED_AT,
    attempt: 0,
    error: error.message,
    errorCode: error.code,
    errorName: error.name,
    schedulePaused,
  };
}

const planner = (reason: string) => ({
  code: "OCCURRENCE_SKIPPED",
  name: "OccurrenceSkipped",
  message: reason,
});
const overlap = {
  code: "OCCURRENCE_SKIPPED",
  name: "OverlapSkipped",
  message: "the previous run of this schedule was still going (overlap policy skip)",
};

describe("skipped occurrences as alerts", () => {
  it("says nothing of a follower's occurrence skipped because the run it followed did not succeed", () => {
    const dependency = {
      code: "DEPENDENCY_SKIPPED",
      name: "DependencySkipped",
      message: "dependency 41 (etl) ended dead; this job was skipped (its edge says onFailure: skip)",
    };
    expect(eventFindings(skipped(dependency), 300_000)).toEqual([]);
  });

  it("makes an occurrence no scheduler fired in time an occurrence-missed finding that says why", () => {
    const [finding, ...rest] = eventFindings(skipped(planner("missed")), 300_000);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      rule: "occurrence-missed",
      groupKey: "occurrence-missed:schedule=nightly",
      labels: { reason: "missed" },
      subject: { scheduleId: "nightly", task: "report", jobId: "42" },
      at: RECORDED_AT.getTime(),
    });
    expect(finding!.title(1)).toBe("Schedule nightly missed an occurrence");
    expect(finding!.title(9)).toBe("Schedule nightly missed an occurrence (9 times)");
    expect(finding!.summary).toBe(
      "The occurrence of schedule nightly (task report) due at 2030-01-01T03:00:00.000Z never ran: no scheduler fired it within scheduler.misfireThreshold of its time, and the schedule's catch-up policy did not run it late. Check that nodes were running and could reach the database at that time.",
    );
    expect(finding!.subject.error).toMatch(/^missed: no scheduler fired it/);
  });

  it("groups an occurrence older than the catch-up window with the missed ones, naming the window", () => {
    const [finding] = eventFindings(skipped(planner("catchup-window")), 300_000);
    expect(finding).toMatchObject({
      rule: "occurrence-missed",
      groupKey: "occurrence-missed:schedule=nightly",
      labels: { reason: "catchup-window" },
    });
    expect(finding!.summary).toContain("older than the schedule's catchupWindow");
  });

  it("makes an overlap skip an occurrence-skipped finding naming the overlap policy", () => {
    const [finding, ...rest] = eventFindings(skipped(overlap), 300_000);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      rule: "occurrence-skipped",
      groupKey: "occurrence-skipped:schedule=nightly",
      labels: { reason: "overlap" },
      subject: { error: overlap.message },
    });
    expect(finding!.summary).toBe(
      "The occurrence of schedule nightly (task report) due at 2030-01-01T03:00:00.000Z was skipped: the previous run of this schedule was still going (overlap policy skip).",
    );
  });

  it("says nothing of a skip the schedule asked for: an exclusion calendar date, or missed while paused", () => {
    expect(eventFindings(skipped(planner("calendar")), 300_000)).toEqual([]);
    expect(eventFindings(skipped(planner("missed"), true), 300_000)).toEqual([]);
    expect(eventFindings(skipped(planner("catchup-window"), true), 300_000)).toEqual([]);
  });

  it("still tells an overlap skip of a schedule that was paused around it", () => {
    expect(eventFindings(skipped(overlap, true), 300_000).map((f) => f.rule)).toEqual(["occurrence-skipped"]);
  });

  it("tells any other skip of an occurrence as occurrence-skipped with the message it was recorded with", () => {
    const [finding] = eventFindings(
      skipped({ code: "SOMETHING_ELSE", name: "SomethingElse", message: "a reason of another kind" }),
      300_000,
    );
    expect(finding).toMatchObject({ rule: "occurrence-skipped", labels: { reason: "other" } });
    expect(finding!.summary).toContain("was skipped: a reason of another kind.");
    // A planner-like code with a reason this version does not know is not taken for a miss.
    const [unknown] = eventFindings(skipped(planner("something-new")), 300_000);
    expect(unknown).toMatchObject({ rule: "occurrence-skipped", labels: { reason: "other" } });
  });
});
