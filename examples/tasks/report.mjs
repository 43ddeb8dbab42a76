// A code task for examples/taskflow.yaml: plain ESM, no import from taskflow needed.
// `tasks.report.module` points here; the default export is the task definition (an object
// with run(ctx)); a bare `export default async function run(ctx) {}` works too.

export default {
  // The file's `tasks.report` options (timeout, retry…) win over these.
  maxAttempts: 2,

  /** @param {import("taskflow").TaskContext<{ title?: string }>} ctx */
  async run(ctx) {
    const title = ctx.payload?.title ?? "report";
    // ctx.signal aborts on timeout, cancellation or shutdown: pass it to anything long.
    ctx.signal.throwIfAborted();
    const figures = { jobId: ctx.job.id, attempt: ctx.attempt, generatedAt: new Date().toISOString() };
    // Stored with the job; visible with `GET /jobs/:id/logs` and on the dashboard.
    await ctx.log.info(`${title} generated`, figures);
    // The return value is the job's result (any JSON value).
    return { title, ...figures };
  },
};
