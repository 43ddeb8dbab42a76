// bench/compare-child.ts — the process one system runs in during `npm run bench`, under the Node
// its variant needs (bench/peers/variants.ts). It receives one ChildRequest over IPC, sets the
// system up in its own schema (or Redis prefix), runs the steps one after another, reports each
// run as it ends, tears everything down and exits.
import { loadavg } from "node:os";
import { benchRecurring } from "./compare-cron.js";
import type { ChildMessage, ChildRequest, CronTask, QueueStep } from "./compare-protocol.js";
import type { BenchSubject, SystemAdapter } from "./peers/adapter.js";
import { variantById } from "./peers/variants.js";
import { benchPickup } from "./queue-pickup.js";
import { benchConcurrentEnqueue, benchEndToEnd, benchEnqueue } from "./queue-scenarios.js";

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, () => resolve());
  });
}

function isQueueSystem(subject: BenchSubject): subject is SystemAdapter {
  return "startWorkers" in subject;
}

async function runStep(adapter: SystemAdapter, step: QueueStep): Promise<object> {
  const p = step.params;
  switch (p.scenario) {
    case "bulk":
      return benchEnqueue(adapter, p.jobs, p.batchSize);
    case "single":
      return benchConcurrentEnqueue(adapter, p.jobs, p.producers);
    case "e2e":
      return benchEndToEnd(adapter, { jobs: p.jobs, concurrency: p.concurrency, capMs: p.capMs });
    case "pickup":
      return benchPickup(adapter, p);
  }
}

async function runQueueSteps(subject: BenchSubject, steps: QueueStep[]): Promise<void> {
  if (!isQueueSystem(subject)) throw new Error(`${subject.system} runs no queue scenarios`);
  for (const step of steps) {
    try {
      const result = await runStep(subject, step);
      await send({
        kind: "result",
        figure: step.figure,
        run: step.run,
        result: { ...result, loadAverage1m: round2(loadavg()[0] ?? 0) },
      });
    } catch (error) {
      // A failed run (a restarting server on a shared machine, a system that hangs) is recorded
      // in its figure; the other runs go on.
      await send({ kind: "failed", figure: step.figure, run: step.run, message: (error as Error).message });
    }
  }
}

async function runCron(subject: BenchSubject, task: CronTask): Promise<void> {
  try {
    const result = await benchRecurring(subject, task);
    await send({
      kind: "result",
      figure: task.figure,
      run: task.run,
      result: { ...result, loadAverage1m: round2(loadavg()[0] ?? 0) },
    });
  } catch (error) {
    await send({ kind: "failed", figure: task.figure, run: task.run, message: (error as Error).message });
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

async function main(request: ChildRequest): Promise<void> {
  const variant = variantById(request.variantId);
  const subject = await variant.create(request.env);
  try {
    await subject.setup();
    await send({
      kind: "ready",
      system: subject.system,
      version: subject.version,
      settings: subject.settings,
      serverVersion: await subject.serverVersion(),
      node: process.version,
    });
    if (request.task.kind === "queue") await runQueueSteps(subject, request.task.steps);
    else await runCron(subject, request.task);
  } finally {
    const errors = (subject as { errors?: string[] }).errors ?? [];
    await subject.teardown().catch((error: unknown) => errors.push(`teardown: ${(error as Error).message}`));
    await send({ kind: "done", errors });
  }
}

process.once("message", (request: ChildRequest) => {
  main(request)
    .catch(async (error: unknown) => {
      await send({
        kind: "failed",
        figure: "setup",
        run: 0,
        message: (error as Error).stack ?? String(error),
      });
      process.exitCode = 1;
    })
    .finally(() => {
      process.disconnect?.();
      // Some libraries keep timers or sockets alive after stop(); the work is done.
      setTimeout(() => process.exit(), 2000).unref();
    });
});
