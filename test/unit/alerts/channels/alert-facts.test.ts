import { describe, expect, it } from "vitest";
import { alertFacts, plainText } from "../../../../src/alerts/channels/alert-facts.js";
import type { AlertNotification } from "../../../../src/alerts/notification.js";

function notification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    id: "n1",
    status: "firing",
    severity: "P0",
    escalatedFrom: null,
    rule: "job-dead",
    groupKey: "job-dead:task=t",
    title: "Job t went dead",
    summary: "",
    count: 1,
    firstAt: new Date("2026-12-06T03:00:00Z"),
    lastAt: new Date("2026-12-06T03:00:00Z"),
    subject: { task: "t", scheduleId: null, queue: null, jobId: null, attempt: null, error: null },
    link: null,
    labels: {},
    ...overrides,
  };
}

describe("alert facts", () => {
  it("states one event without a count, and leaves out what is unknown", () => {
    const facts = alertFacts(notification());
    expect(facts.headline).toBe("[P0] FIRING Job t went dead");
    expect(facts.fields).toEqual([
      { label: "Task", value: "t" },
      { label: "Rule", value: "job-dead" },
      { label: "Events", value: "1 at 2026-12-06 03:00:00 UTC" },
    ]);
    expect(plainText(facts)).toBe(
      "[P0] FIRING Job t went dead\n\nTask: t\nRule: job-dead\nEvents: 1 at 2026-12-06 03:00:00 UTC",
    );
  });

  it("keeps a title on one line, so it cannot break a subject or a heading", () => {
    const facts = alertFacts(notification({ title: "Job t\r\nBcc: someone@evil.example\n# heading" }));
    expect(facts.headline).toBe("[P0] FIRING Job t Bcc: someone@evil.example # heading");
  });

  it("links only to http(s) URLs", () => {
    expect(alertFacts(notification({ link: "javascript:alert(1)" })).link).toBeNull();
    expect(alertFacts(notification({ link: "not a url" })).link).toBeNull();
    expect(alertFacts(notification({ link: "https://tf.example/jobs/1" })).link).toBe(
      "https://tf.example/jobs/1",
    );
  });

  it("caps the labels at ten and a long summary", () => {
    const labels = Object.fromEntries(Array.from({ length: 15 }, (_, index) => [`k${index}`, "v"]));
    const facts = alertFacts(notification({ labels, summary: "s".repeat(5_000) }));
    expect(facts.fields.find((field) => field.label === "Labels")?.value.split(", ")).toHaveLength(10);
    expect(facts.summary.length).toBeLessThanOrEqual(1500);
  });
});
