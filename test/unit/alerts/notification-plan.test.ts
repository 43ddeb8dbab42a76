import { describe, expect, it } from "vitest";
import { resolveAlertOptions } from "../../../src/alerts/alert-options.js";
import { planNotifications } from "../../../src/alerts/notification-plan.js";
import { isSilenced } from "../../../src/alerts/silence-matching.js";
import type { AlertWrite } from "../../../src/store/alert-store.js";
import { anAlert as aStoredAlert } from "../../support/alert-rows.js";

const MINUTE = 60_000;
const T0 = Date.UTC(2030, 0, 1, 3, 0, 0);

const settings = resolveAlertOptions({
  channels: {
    ops: { type: "webhook", url: "https://hooks.example.com/ops" },
    pager: { type: "webhook", url: "https://hooks.example.com/pager" },
  },
  routes: { P0: { channels: ["pager"] }, P1: { channels: ["ops"], escalateAfter: "10m" } },
  groupWindow: "5m",
});
const rule = settings.rules["job-dead"];

/** A firing `job-dead` alert at T0, not yet told to anyone. */
const anAlert = (overrides: Partial<AlertWrite> = {}): AlertWrite =>
  aStoredAlert(T0, {
    id: "1",
    notifiedCount: 0,
    firstNotifiedAt: null,
    lastNotifiedAt: null,
    notifiedChannels: [],
    ...overrides,
  });

describe("planning alert messages", () => {
  it("tells a new alert at once, then only counts repeats within the group window", () => {
    const alert = anAlert({ count: 500 });
    expect(planNotifications(alert, rule, settings.routes, false, T0)).toEqual([
      { status: "firing", severity: "P1", escalatedFrom: null, channels: ["ops"] },
    ]);
    expect(alert).toMatchObject({ notifiedCount: 500, notifiedChannels: ["ops"] });
    alert.count = 520;
    expect(planNotifications(alert, rule, settings.routes, false, T0 + 4 * MINUTE)).toEqual([]);
    expect(planNotifications(alert, rule, settings.routes, false, T0 + 5 * MINUTE)).toHaveLength(1);
    expect(alert.notifiedCount).toBe(520);
    // Nothing new: no update however long it stays open (escalation aside).
    expect(planNotifications(alert, rule, settings.routes, false, T0 + 9 * MINUTE)).toEqual([]);
  });

  it("escalates one tier after escalateAfter unless acknowledged", () => {
    const alert = anAlert();
    planNotifications(alert, rule, settings.routes, false, T0);
    expect(planNotifications(alert, rule, settings.routes, false, T0 + 10 * MINUTE - 1)).toEqual([]);
    expect(planNotifications(alert, rule, settings.routes, false, T0 + 10 * MINUTE)).toEqual([
      { status: "firing", severity: "P0", escalatedFrom: "P1", channels: ["pager"] },
    ]);
    // P0 has no escalateAfter: it stays there.
    expect(planNotifications(alert, rule, settings.routes, false, T0 + 60 * MINUTE)).toEqual([]);

    const acknowledged = anAlert();
    planNotifications(acknowledged, rule, settings.routes, false, T0);
    acknowledged.acknowledgedAt = new Date(T0 + MINUTE);
    expect(planNotifications(acknowledged, rule, settings.routes, false, T0 + 30 * MINUTE)).toEqual([]);
  });

  it("tells a resolution to every channel that was told, and nothing for an alert never told", () => {
    const told = anAlert();
    planNotifications(told, rule, settings.routes, false, T0);
    planNotifications(told, rule, settings.routes, false, T0 + 10 * MINUTE);
    told.status = "resolved";
    expect(planNotifications(told, rule, settings.routes, false, T0 + 20 * MINUTE)).toEqual([
      { status: "resolved", severity: "P0", escalatedFrom: "P1", channels: ["ops", "pager"] },
    ]);
    expect(planNotifications(anAlert({ status: "resolved" }), rule, settings.routes, false, T0)).toEqual([]);
  });

  it("sends nothing while silenced and keeps the bookkeeping for after", () => {
    const alert = anAlert({ count: 3 });
    expect(planNotifications(alert, rule, settings.routes, true, T0)).toEqual([]);
    expect(alert.notifiedCount).toBe(0);
    expect(planNotifications(alert, rule, settings.routes, false, T0 + MINUTE)).toHaveLength(1);
  });
});

describe("silence matching", () => {
  const alert = anAlert();
  const window = { startsAt: T0, endsAt: T0 + 60 * MINUTE };

  it("matches when every given matcher equals the alert's value, within the window", () => {
    expect(isSilenced(alert, [{ matchers: { task: "send-email", severity: "P1" }, ...window }], T0)).toBe(
      true,
    );
    expect(isSilenced(alert, [{ matchers: {}, ...window }], T0 + 30 * MINUTE)).toBe(true);
    expect(
      isSilenced(alert, [{ matchers: { task: "send-email", rule: "circuit-open" }, ...window }], T0),
    ).toBe(false);
    expect(isSilenced(alert, [{ matchers: { task: "send-email" }, ...window }], T0 + 60 * MINUTE)).toBe(
      false,
    );
    expect(isSilenced(alert, [{ matchers: { task: "send-email" }, ...window }], T0 - 1)).toBe(false);
  });
});
