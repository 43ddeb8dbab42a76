import type { FastifyInstance } from "fastify";
import type { ServerDeps } from "../server-deps.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The dashboard's overview in one request: nodes, lease, queue, throughput, lateness, next fires. */
export function overviewRoutes(app: FastifyInstance, deps: ServerDeps): void {
  const { tf } = deps;
  const overview = tf.store.overview;

  app.get(
    "/api/v1/overview",
    {
      config: { role: "viewer" },
      schema: {
        tags: ["system"],
        summary:
          "Live nodes, maintenance lease holder, queue depth and age, throughput per minute (last hour) and per 30 min (last day), fire lateness, next fires",
      },
    },
    async () => {
      const now = tf.clock.now();
      const hourStart = Math.floor(now / MINUTE) * MINUTE - 59 * MINUTE;
      const dayStart = Math.floor(now / (30 * MINUTE)) * 30 * MINUTE - 47 * 30 * MINUTE;
      const [nodes, holder, queue, hour, day, lateness, nextFires] = await Promise.all([
        tf.listNodes(),
        tf.maintenanceLeaseHolder(),
        overview.queueStats(now),
        overview.throughput(hourStart, now + MINUTE, MINUTE),
        overview.throughput(dayStart, now + 30 * MINUTE, 30 * MINUTE),
        overview.fireLateness(now - HOUR, now + 1),
        overview.nextFires(10),
      ]);
      return {
        now: new Date(now),
        nodes,
        maintenanceLeaseHolder: holder,
        queue: {
          ...queue,
          oldestReadyAgeMs:
            queue.oldestReadyRunAt === null ? null : Math.max(0, now - queue.oldestReadyRunAt.getTime()),
        },
        throughput: {
          lastHour: fill(hour, hourStart, MINUTE, 60),
          lastDay: fill(day, dayStart, 30 * MINUTE, 48),
        },
        fireLatenessLastHour: lateness,
        nextFires,
      };
    },
  );
}

/** Every bucket of the window, zeros where nothing finished. */
function fill(
  buckets: { at: Date; succeeded: number; dead: number; cancelled: number }[],
  start: number,
  size: number,
  count: number,
) {
  const byStart = new Map(buckets.map((b) => [b.at.getTime(), b]));
  return Array.from({ length: count }, (_, i) => {
    const at = start + i * size;
    const found = byStart.get(at);
    return {
      at: new Date(at),
      succeeded: found?.succeeded ?? 0,
      dead: found?.dead ?? 0,
      cancelled: found?.cancelled ?? 0,
    };
  });
}
