import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { MaintenanceLease } from "../../src/maintenance/maintenance-lease.js";
import type { MaintenanceStore } from "../../src/store/maintenance-store.js";
import { FakeClock } from "../../src/time/fake-clock.js";

const TTL = 9_000;

/** The lease rules of acquire_maintenance_lease.sql, in memory, with a switch to cut the database off. */
class LeaseTable {
  holder: string | null = null;
  fence = 0;
  expiresAt = 0;
  unreachable = false;
  releases: [string, number][] = [];

  acquireLease(_name: string, holder: string, now: number, ttlMs: number): Promise<{ fence: number } | null> {
    if (this.unreachable) return Promise.reject(new Error("connection refused"));
    if (this.holder !== null && this.expiresAt >= now && this.holder !== holder) return Promise.resolve(null);
    if (this.holder !== holder) this.fence++;
    this.holder = holder;
    this.expiresAt = now + ttlMs;
    return Promise.resolve({ fence: this.fence });
  }

  releaseLease(_name: string, holder: string, fence: number): Promise<boolean> {
    this.releases.push([holder, fence]);
    if (this.holder !== holder || this.fence !== fence) return Promise.resolve(false);
    this.holder = null;
    return Promise.resolve(true);
  }
}

function setup() {
  const clock = new FakeClock();
  const table = new LeaseTable();
  const events: string[] = [];
  const lease = new MaintenanceLease(
    table as unknown as MaintenanceStore,
    clock,
    pino({ level: "silent" }),
    "maintenance",
    "node-a",
    TTL,
    {
      onAcquired: (fence) => void events.push(`acquired ${fence}`),
      onLost: (reason) => {
        events.push(`lost: ${reason}`);
        return Promise.resolve();
      },
    },
  );
  return { clock, table, events, lease };
}

describe("MaintenanceLease", () => {
  it("renews every third of the TTL and keeps its fence", async () => {
    const { clock, table, events, lease } = setup();
    await lease.start();
    expect(lease.fence).toBe(1);
    await clock.advance(TTL / 3);
    expect(table.expiresAt).toBe(clock.now() + TTL);
    await clock.advance(10 * TTL);
    expect(events).toEqual(["acquired 1"]);
    expect(lease.fence).toBe(1);
  });

  it("stops the work when the lease expires without a successful renewal, and resumes it after", async () => {
    const { clock, table, events, lease } = setup();
    await lease.start();
    table.unreachable = true;
    await clock.advance(TTL - 1);
    expect(lease.fence).toBe(1); // two renewals failed, but the lease has not expired yet
    await clock.advance(1);
    expect(lease.fence).toBeNull();
    expect(events).toEqual(["acquired 1", "lost: it expired before a renewal succeeded"]);
    table.unreachable = false;
    await clock.advance(TTL / 3);
    // Nobody took it meanwhile: the same holder continues under the same fence.
    expect(events.at(-1)).toBe("acquired 1");
    expect(lease.fence).toBe(1);
  });

  it("stops the work when another node has taken the lease over", async () => {
    const { clock, table, events, lease } = setup();
    await lease.start();
    table.holder = "node-b";
    table.fence = 2;
    await clock.advance(TTL / 3);
    expect(events).toEqual(["acquired 1", "lost: another node took it over"]);
    expect(lease.fence).toBeNull();
  });

  it("waits while another node holds the lease and takes it with the next fence when it expires", async () => {
    const { clock, table, events, lease } = setup();
    table.holder = "node-b";
    table.fence = 4;
    table.expiresAt = clock.now() + 5_000;
    await lease.start();
    expect(lease.fence).toBeNull();
    await clock.advance(TTL / 3);
    expect(lease.fence).toBeNull();
    await clock.advance(TTL / 3);
    expect(events).toEqual(["acquired 5"]);
  });

  it("on stop, ends the work first, then releases its own tenure, and tries nothing more", async () => {
    const { clock, table, events, lease } = setup();
    await lease.start();
    await lease.stop();
    expect(events).toEqual(["acquired 1", "lost: this node is stopping"]);
    expect(table.releases).toEqual([["node-a", 1]]);
    expect(table.holder).toBeNull();
    await clock.advance(10 * TTL);
    expect(table.holder).toBeNull();
    expect(clock.pendingTimers).toBe(0);
  });

  it("releases nothing on stop when it does not hold the lease", async () => {
    const { table, lease } = setup();
    table.holder = "node-b";
    table.fence = 1;
    table.expiresAt = Number.MAX_SAFE_INTEGER;
    await lease.start();
    await lease.stop();
    expect(table.releases).toEqual([]);
  });
});
