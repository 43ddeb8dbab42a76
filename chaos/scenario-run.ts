// scenario-run.ts — the scaffolding every scenario shares: a fresh schema with its ledgers, the
// child processes, and a cleanup that runs whatever happens (children killed, schema dropped,
// logs kept only when the scenario failed).
import { mkdirSync } from "node:fs";
import { openChaosDatabase, type ChaosDatabase } from "./chaos-database.js";
import { ChildWorkers } from "./child-workers.js";
import { Checks, type ScenarioContext, type ScenarioReport } from "./scenario.js";
import { createScheduleLedger } from "./schedule-oracle.js";

export interface ScenarioResources {
  db: ChaosDatabase;
  children: ChildWorkers;
  checks: Checks;
  /** Filled in as the scenario goes, so that a scenario cut short still reports what it did. */
  report: { faults: number; figures: Record<string, unknown> };
}

/**
 * Runs `body` against a new schema (`<prefix>_<random>`, with the `ledger`, `executions` and
 * `schedule_ledger` tables). An exception becomes a failed check, so the scenario still reports.
 */
export async function withChaosSchema(
  context: ScenarioContext,
  prefix: string,
  body: (resources: ScenarioResources) => Promise<void>,
): Promise<ScenarioReport> {
  mkdirSync(context.logDir, { recursive: true });
  const checks = new Checks();
  const db = await openChaosDatabase(context.url, prefix);
  const children = new ChildWorkers(context.logDir);
  const unregister = context.onInterrupt(async () => {
    await children.killAll();
    await db.close();
  });
  const report: ScenarioResources["report"] = { faults: 0, figures: {} };
  try {
    await createScheduleLedger(db.pool);
    await body({ db, children, checks, report });
    const crashed = children.crashed.map((child) => `${child.workerId} ${JSON.stringify(child.exit)}`);
    checks.that(crashed.length === 0, `nodes that died on their own: ${crashed.join(", ")}`);
  } catch (error) {
    checks.error(error);
  } finally {
    unregister();
    await children.cleanUp(!checks.passed, (line) => context.log(line));
    await db.close();
  }
  return { ...report, checks };
}
