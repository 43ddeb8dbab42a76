// oracle-figures.ts — turns the oracles' verdicts (ledgers against jobs, ledgers against the
// expected fire times) into the figures a scenario prints and the checks that must hold.
import type { JobFigures, LedgerFigures } from "./chaos-database.js";
import type { Checks } from "./scenario.js";
import type { ScheduleVerdict } from "./schedule-oracle.js";

/** Every expected occurrence ran exactly once, on time or late, never early. */
export function scheduleFigures(verdict: ScheduleVerdict, checks: Checks, minJudged: number) {
  const notSucceeded = Object.values(verdict.notSucceeded).reduce((a, b) => a + b, 0);
  const figures = {
    judged: verdict.judged,
    duplicates: verdict.duplicateJobs + verdict.duplicateEffects,
    missed: verdict.missing + notSucceeded,
    early: verdict.earlyEffects,
    earliest_by_ms: verdict.earliestEffectMs,
    effects_not_exactly_once: verdict.succeededNotExactlyOnce,
    stray_effects: verdict.strayEffects,
    off_grid: verdict.offGrid,
    skipped: verdict.skippedAnywhere,
    reclaimed_occurrences: verdict.reclaimed,
    fire_lag_ms: verdict.fireLagMs,
    claim_lag_ms: verdict.claimLagMs,
    by_cadence: Object.fromEntries(
      Object.entries(verdict.byCadence).map(([cadence, c]) => [
        cadence,
        { judged: c.judged, fire_lag_ms: c.fireLagMs },
      ]),
    ),
    ...(verdict.examples.length > 0 ? { problems: verdict.examples } : {}),
  };
  checks.atLeast("judged occurrences", verdict.judged, minJudged);
  checks.zero("duplicate occurrences", figures.duplicates);
  checks.zero("missed occurrences", figures.missed);
  checks.zero("early occurrences", figures.early);
  checks.zero("occurrences succeeded without exactly one effect", figures.effects_not_exactly_once);
  checks.zero("stray effects", figures.stray_effects);
  checks.zero("off-grid occurrences", figures.off_grid);
  checks.zero("skipped occurrences", figures.skipped);
  return figures;
}

/** Every enqueued job succeeded, with exactly one effect committed by the attempt that completed it. */
export function jobFiguresChecked(enqueued: number, jobs: JobFigures, ledger: LedgerFigures, checks: Checks) {
  const figures = {
    jobs: enqueued,
    succeeded: jobs.succeeded,
    lost: enqueued - jobs.succeeded,
    dead: jobs.dead,
    unfinished: jobs.unfinished,
    duplicate_effects: ledger.duplicateEffects,
    effects_not_exactly_once: ledger.succeededNotExactlyOnce,
    stale_effects: ledger.rowsFromStaleAttempts + ledger.unsucceededWithRows + ledger.orphanRows,
    reclaimed_jobs: jobs.reclaimedJobs,
  };
  checks.equal("jobs in the table", jobs.total, enqueued);
  checks.zero("lost jobs (not succeeded)", figures.lost);
  checks.zero("duplicate effects", figures.duplicate_effects);
  checks.zero("succeeded jobs without exactly one effect", figures.effects_not_exactly_once);
  checks.zero("effects of attempts that did not complete their job", figures.stale_effects);
  return figures;
}
