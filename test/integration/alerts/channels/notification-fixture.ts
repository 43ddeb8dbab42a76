import type { AlertNotification } from "../../../../src/alerts/notification.js";

/** A firing P1 notification about a dead job; override what a test is about. */
export function aNotification(overrides: Partial<AlertNotification> = {}): AlertNotification {
  return {
    id: "ntf_01HZX3",
    status: "firing",
    severity: "P1",
    escalatedFrom: null,
    rule: "job-dead",
    groupKey: "job-dead:task=send-email",
    title: "Job send-email went dead",
    summary: "send-email failed 3 times and will not be retried.",
    count: 3,
    firstAt: new Date("2026-12-06T03:00:00Z"),
    lastAt: new Date("2026-12-06T03:04:30Z"),
    subject: {
      task: "send-email",
      scheduleId: "nightly-digest",
      queue: "default",
      jobId: "job_42",
      attempt: 3,
      error: "SMTP connection refused (ECONNREFUSED 10.0.0.5:25)",
    },
    link: "https://taskflow.example.com/dashboard/jobs/job_42",
    labels: { node: "worker-1" },
    ...overrides,
  };
}

/** An error text that tries every kind of markup injection the channels must neutralize. */
export const HOSTILE_ERROR =
  "boom <@U123> <!channel> [x](http://evil.example) <script>alert(1)</script> *bold* `code` &amp;";
