import type { Command } from "commander";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import { TaskFlow } from "../taskflow.js";
import { ExitCode, reportError } from "./exit-codes.js";
import { storeOptions, withStoreFlags, type StoreFlags } from "./store-flags.js";

interface EnqueueFlags extends StoreFlags {
  delay?: string;
  priority?: string;
  queue?: string;
  idempotencyKey?: string;
  maxAttempts?: string;
  concurrencyKey?: string;
  rateLimitKey?: string;
  circuitKey?: string;
  json?: boolean;
}

export function registerEnqueue(program: Command): void {
  withStoreFlags(program.command("enqueue"))
    .description("add a job for a task (run by whichever node registered the task)")
    .argument("<task>", "task name")
    .argument("[payload]", "JSON payload", "{}")
    .option("--delay <duration>", 'start no sooner than this from now, e.g. "30s", "5m"')
    .option("--priority <n>", "higher runs first")
    .option("--queue <name>", "queue name")
    .option("--idempotency-key <key>", "a second enqueue with this key returns the first job")
    .option("--max-attempts <n>", "attempts before the job goes to the dead-letter queue")
    .option(
      "--concurrency-key <key>",
      "jobs sharing a key run at most the task's concurrencyKeyLimit at once",
    )
    .option("--rate-limit-key <key>", "count the job in this bucket of the task's rate limit")
    .option("--circuit-key <key>", "guard the job by this circuit breaker of the task's")
    .option("--json", "print the job as JSON")
    .addHelpText(
      "after",
      `\nExample:\n  $ taskflow enqueue send-email '{"to":"ada@example.com"}' --delay 5m --database postgres://app@db/app`,
    )
    .action(async (task: string, payload: string, flags: EnqueueFlags) => {
      try {
        const tf = await TaskFlow.create({ ...storeOptions(flags), logger: "warn", unknownTasks: "allow" });
        try {
          const job = await tf.enqueue(task, parseJson(payload), {
            ...(flags.delay === undefined ? {} : { delay: flags.delay }),
            ...(flags.priority === undefined ? {} : { priority: Number(flags.priority) }),
            ...(flags.queue === undefined ? {} : { queue: flags.queue }),
            ...(flags.idempotencyKey === undefined ? {} : { idempotencyKey: flags.idempotencyKey }),
            ...(flags.maxAttempts === undefined ? {} : { maxAttempts: Number(flags.maxAttempts) }),
            ...(flags.concurrencyKey === undefined ? {} : { concurrencyKey: flags.concurrencyKey }),
            ...(flags.rateLimitKey === undefined ? {} : { rateLimitKey: flags.rateLimitKey }),
            ...(flags.circuitKey === undefined ? {} : { circuitKey: flags.circuitKey }),
          });
          console.log(
            flags.json
              ? JSON.stringify(job)
              : `${job.created ? "enqueued" : "already enqueued (idempotency key)"}: job ${job.id} (${job.task}), runs at ${job.runAt.toISOString()}`,
          );
        } finally {
          await tf.stop();
        }
        process.exitCode = ExitCode.Ok;
      } catch (error) {
        process.exitCode = reportError(error);
      }
    });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInputError(`payload must be JSON: ${(error as Error).message}`, {
      code: ErrorCode.InvalidPayload,
      cause: error,
    });
  }
}
