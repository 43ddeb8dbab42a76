import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../src/domain/errors.js";
import { TaskFlow } from "../../src/index.js";
import {
  resolveMaintenanceOptions,
  type MaintenanceOptions,
} from "../../src/maintenance/maintenance-options.js";
import { expectInvalidInput } from "./thrown-error.js";

const untyped = (options: unknown) => options as MaintenanceOptions;

describe("resolveMaintenanceOptions", () => {
  it("fills in the documented defaults: a 10 s lease, 7 days of retention", () => {
    expect(resolveMaintenanceOptions()).toEqual({
      leaseTtlMs: 10_000,
      retentionMs: 7 * 86_400_000,
      retentionIntervalMs: 3_600_000,
      nodeHeartbeatMs: 5_000,
      nodeExpiryMs: 3_600_000,
    });
  });

  it("keeps the options it is given, and runs retention every hundredth of its window (1m to 1h)", () => {
    expect(resolveMaintenanceOptions({ leaseTtl: "30s", retention: "2h" })).toMatchObject({
      leaseTtlMs: 30_000,
      retentionMs: 7_200_000,
      retentionIntervalMs: 72_000,
      nodeHeartbeatMs: 15_000,
    });
    expect(resolveMaintenanceOptions({ retention: "1h" }).retentionIntervalMs).toBe(60_000);
  });

  it("turns retention off with false or 0", () => {
    expect(resolveMaintenanceOptions({ retention: false }).retentionMs).toBeNull();
    expect(resolveMaintenanceOptions({ retention: 0 }).retentionMs).toBeNull();
    expect(resolveMaintenanceOptions({ retention: "0s" }).retentionMs).toBeNull();
  });

  it.each<[string, unknown]>([
    ["maintenance.leaseTtl", { leaseTtl: "500ms" }],
    ["maintenance.leaseTtl", { leaseTtl: "2h" }],
    ["maintenance.retention", { retention: "30s" }],
    ["maintenance", "7d"],
    ["maintenance", null],
  ])("refuses %s out of range with INVALID_OPTION naming it", (option, options) => {
    const error = expectInvalidInput(
      () => resolveMaintenanceOptions(untyped(options)),
      ErrorCode.InvalidOption,
    );
    expect(error.details).toEqual({ option });
    expect(error.message).toContain(option);
  });

  it.each<[string, unknown]>([
    ["maintenance.leaseTtl", { leaseTtl: "soon" }],
    ["maintenance.retention", { retention: "7 d" }],
    ["maintenance.retention", { retention: true }],
    ["maintenance.retention", { retention: -1 }],
  ])("refuses a malformed %s with INVALID_DURATION naming it", (option, options) => {
    const error = expectInvalidInput(
      () => resolveMaintenanceOptions(untyped(options)),
      ErrorCode.InvalidDuration,
    );
    expect(error.details).toEqual({ option });
  });

  it("makes TaskFlow.create fail on bad maintenance options before it opens a database", async () => {
    await expect(
      TaskFlow.create({ dataDir: "/nonexistent/never-created", maintenance: { leaseTtl: "1ms" } }),
    ).rejects.toMatchObject({ code: "INVALID_OPTION" });
  });
});
