// bench/cron-croner-floor.ts — child process of bench/cron.ts: croner's own "* * * * * *" in a
// process of its own, measuring how late each callback starts (the floor any in-process cron
// timer gets on this machine). argv: windowStart windowEnd (epoch ms); reports over IPC.
import { Cron } from "croner";

export interface CronerFloorReport {
  /** Date.now() at the callback minus the whole second it was due at. */
  lagsMs: number[];
}

function main(): void {
  const [windowStart, windowEnd] = process.argv.slice(2).map(Number);
  if (windowStart === undefined || windowEnd === undefined || !(windowEnd > windowStart)) {
    throw new Error("usage: cron-croner-floor.ts <windowStart ms> <windowEnd ms>");
  }
  const lagsMs: number[] = [];
  const job = new Cron("* * * * * *", () => {
    const now = Date.now();
    // Croner fires a callback only once its time has come, and well within the second.
    const due = now - (now % 1000);
    if (due >= windowStart && due < windowEnd) lagsMs.push(now - due);
    if (due >= windowEnd - 1000) finish();
  });
  const finish = () => {
    job.stop();
    clearTimeout(safety);
    const report: CronerFloorReport = { lagsMs };
    process.send?.(report, () => process.disconnect());
  };
  const safety = setTimeout(finish, windowEnd - Date.now() + 5000);
}

if (process.send !== undefined) main();
