import { readdirSync, readFileSync, readlinkSync } from "node:fs";

/**
 * CPU accounting for a timed window. On a shared 2-core machine wall-clock rates swing with
 * whatever else runs, so each run also reports the CPU time the system under test consumed:
 * this process plus the server work done for it — the PostgreSQL backends serving this
 * process's connections (found by matching our sockets' local ports to
 * pg_stat_activity.client_port), or the Redis server process. Linux only (/proc); elsewhere,
 * and when the server runs on another machine, the server figure is null.
 */
export interface CpuUse {
  /** Share of all cores busy during the window (every process: this one, the server, anything else). */
  machineBusyPct: number | null;
  /** This process's CPU time over the window, as a share of one core. */
  benchProcessPct: number;
  /** CPU time of this process during the window. */
  nodeCpuMs: number;
  /** CPU time of the server work for this process (PostgreSQL backends, bench's own excluded; or Redis). */
  serverCpuMs: number | null;
}

/**
 * Reads the CPU time (ms) of the server processes working for us, by process: a PostgreSQL
 * backend per connection, or the one Redis process. Null when they cannot be read.
 */
export type ServerCpuProbe = () => Promise<Map<number | string, number> | null>;

/** Lists backend pids: given the local ports of our connections, which backends serve them. */
export type BackendLookup = (ports: number[]) => Promise<number[]>;

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function readMachineTicks(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync("/proc/stat", "utf8")
      .split("\n")[0]
      ?.trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    if (fields === undefined || fields.length < 5) return null;
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
  } catch {
    return null;
  }
}

/** Local ports of this process's TCP connections to `remotePort`. */
function ourLocalPorts(remotePort: number): number[] {
  try {
    const inodes = new Set<string>();
    for (const fd of readdirSync("/proc/self/fd")) {
      try {
        const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
        if (match?.[1] !== undefined) inodes.add(match[1]);
      } catch {
        // closed meanwhile
      }
    }
    const ports: number[] = [];
    for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
      for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
        const cols = line.trim().split(/\s+/);
        const [local, remote, inode] = [cols[1], cols[2], cols[9]];
        if (local === undefined || remote === undefined || inode === undefined) continue;
        if (parseInt(remote.split(":")[1] ?? "", 16) !== remotePort || !inodes.has(inode)) continue;
        ports.push(parseInt(local.split(":")[1] ?? "", 16));
      }
    }
    return ports;
  } catch {
    return [];
  }
}

function processCpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

async function backendCpu(lookup: BackendLookup, port: number): Promise<Map<number, number> | null> {
  const pids = await lookup(ourLocalPorts(port));
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    const ms = processCpuMs(pid);
    if (ms === null) return null; // not on this machine, or not ours to read
    cpu.set(pid, ms);
  }
  return cpu;
}

/**
 * Starts measuring; the returned function ends the window. Server processes that appear during
 * the window (new pool connections) count from zero, so their connection setup is included.
 */
export function startCpuMeter(server: ServerCpuProbe | null): () => Promise<CpuUse> {
  const machine0 = readMachineTicks();
  const usage0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const before = server === null ? null : server().catch(() => null);
  return async () => {
    const machine1 = readMachineTicks();
    const usage = process.cpuUsage(usage0);
    const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
    const after = server === null ? null : await server().catch(() => null);
    const start = await before;
    let serverCpuMs: number | null = null;
    if (start !== null && start !== undefined && after !== null) {
      serverCpuMs = 0;
      for (const [pid, ms] of after) serverCpuMs += ms - (start.get(pid) ?? 0);
    }
    return {
      machineBusyPct:
        machine0 === null || machine1 === null || machine1.total === machine0.total
          ? null
          : Math.round(((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 1000) / 10,
      benchProcessPct: Math.round(((usage.user + usage.system) / wallUs) * 1000) / 10,
      nodeCpuMs: Math.round((usage.user + usage.system) / 1000),
      serverCpuMs: serverCpuMs === null ? null : Math.round(serverCpuMs),
    };
  };
}

const LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]", ""];

/**
 * The PostgreSQL backends serving this process's connections, when the database runs on this
 * machine (null otherwise). `query` runs on a connection of its own (the bench's), which is
 * excluded by its application_name.
 */
export function localBackends(
  url: string,
  query: (text: string, params: unknown[]) => Promise<{ pid: number }[]>,
): ServerCpuProbe | null {
  const parsed = new URL(url);
  if (!LOCAL_HOSTS.includes(parsed.hostname)) return null;
  const port = Number(parsed.port || 5432);
  const lookup: BackendLookup = async (ports) =>
    (
      await query(
        "SELECT pid FROM pg_stat_activity WHERE client_port = ANY ($1) AND application_name <> 'taskflow-bench'",
        [ports],
      )
    ).map((row) => row.pid);
  return () => backendCpu(lookup, port);
}

/**
 * The Redis server's whole CPU time (every client's work, not only ours), from INFO's
 * used_cpu_sys and used_cpu_user, when Redis runs on this machine (null otherwise).
 */
export function localRedis(host: string, info: () => Promise<string>): ServerCpuProbe | null {
  if (!LOCAL_HOSTS.includes(host)) return null;
  return async () => {
    const text = await info();
    const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(text)?.[1]);
    const seconds = read("used_cpu_sys") + read("used_cpu_user");
    return Number.isFinite(seconds) ? new Map([["redis", seconds * 1000]]) : null;
  };
}
