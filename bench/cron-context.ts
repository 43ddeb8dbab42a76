import type { TaskFlow } from "../src/index.js";
import type { ServerCpuProbe } from "./bench-cpu.js";
import type { BenchDatabase } from "./bench-db.js";
import type { TaskFlowModule } from "./bench-env.js";

/** What every cron bench scenario needs. */
export interface CronBenchContext {
  module: TaskFlowModule;
  url: string;
  /** The bench's own connection, search_path set to the run's fresh schema. */
  db: BenchDatabase;
  /** Creates schedules through the public API; runs no fire loop and no worker. */
  producer: TaskFlow;
  /** How to find the PostgreSQL backends serving TaskFlow (null: database not on this machine). */
  backends: ServerCpuProbe | null;
}
