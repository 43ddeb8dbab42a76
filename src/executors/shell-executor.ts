import { spawn, type ChildProcess } from "node:child_process";
import { stat } from "node:fs/promises";
import { ErrorCode, TaskFlowError } from "../domain/errors.js";
import type { TaskContext, TaskDefinition } from "../domain/task.js";
import type { Clock } from "../time/clock.js";
import { SystemClock } from "../time/system-clock.js";
import { PermanentExecutorError } from "./executor-errors.js";
import { safeLog, type ExecutorRuntime } from "./executor-runtime.js";
import { OutputCapture, type CapturedOutput } from "./output-capture.js";
import { ProcessGroup, type GroupStopResult } from "./process-group.js";
import { createRedactor, secretEnvValues, type Redactor } from "./redact.js";
import {
  assertShellEnabled,
  resolveShellSettings,
  resolveShellSpec,
  type ResolvedShellSettings,
  type ShellExecutorSettings,
  type ShellJobSpec,
} from "./shell-spec.js";

/** What a successful shell job stores as its result (output redacted and capped). */
export interface ShellResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  durationMs: number;
}

/** After the group is gone, how long to wait for the pipes to reach end-of-file. */
const PIPE_DRAIN_MS = 200;
/** Lines of stderr quoted in a failure's message. */
const STDERR_LINES_IN_ERROR = 10;

/**
 * A task that runs `spec.command` as a child process on the node that claims the job. When the
 * settings do not enable shell jobs, every attempt fails permanently with `SHELL_DISABLED`.
 */
export function shellTask(
  spec: ShellJobSpec,
  settings: ShellExecutorSettings = {},
  runtime: ExecutorRuntime = {},
): TaskDefinition<unknown, ShellResult> {
  const resolved = resolveShellSettings(settings);
  const clock = runtime.clock ?? new SystemClock();
  return {
    ...(spec.timeoutMs === undefined ? {} : { timeout: spec.timeoutMs }),
    run: (ctx) => {
      if (!resolved.enabled) {
        throw new PermanentExecutorError(
          "shell jobs are disabled on this node; set executors.shell.enabled: true in taskflow.yaml to allow them",
          { code: ErrorCode.ShellDisabled },
        );
      }
      return runShellJob(spec, resolved, clock, ctx);
    },
  };
}

/** Validates a raw spec and refuses early when shell jobs are disabled: for the config loader. */
export function createShellTask(
  raw: unknown,
  settings: ShellExecutorSettings | undefined,
  runtime: ExecutorRuntime = {},
): TaskDefinition<unknown, ShellResult> {
  assertShellEnabled(settings);
  return shellTask(resolveShellSpec(raw), settings, runtime);
}

async function runShellJob(
  spec: ShellJobSpec,
  settings: ResolvedShellSettings,
  clock: Clock,
  ctx: TaskContext<unknown>,
): Promise<ShellResult> {
  const redact = createRedactor([
    ...Object.values(spec.env ?? {}),
    ...secretEnvValues(process.env, settings.redactEnv),
  ]);
  const program = spec.command[0] ?? "";
  if (spec.cwd !== undefined) await assertDirectory(spec.cwd, program);
  ctx.signal.throwIfAborted();

  const started = clock.now();
  const run = await runProcess(spec, settings, clock, ctx);
  const durationMs = clock.now() - started;
  const stdout = redactOutput(run.stdout, redact);
  const stderr = redactOutput(run.stderr, redact);
  await writeOutputLogs(ctx, stdout.text, stderr.text);
  if (run.leftovers.hadMembers && !ctx.signal.aborted) {
    await safeLog(ctx, "warn", "processes the command left running were stopped", {
      lingering: run.leftovers.lingering,
    });
  }
  if (run.pipesHeldOpen) {
    await safeLog(
      ctx,
      "warn",
      "a process outside the job's process group kept its output open; stopped reading",
    );
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (run.exit.code !== 0) throw commandFailed(program, run.exit, stderr.text, redact);
  return {
    exitCode: 0,
    stdout: stdout.text,
    stderr: stderr.text,
    stdoutTruncated: stdout.truncated,
    stderrTruncated: stderr.truncated,
    durationMs,
  };
}

interface ProcessRun {
  exit: { code: number | null; signal: NodeJS.Signals | null };
  stdout: CapturedOutput;
  stderr: CapturedOutput;
  leftovers: GroupStopResult;
  pipesHeldOpen: boolean;
}

/**
 * Runs the child in its own process group and settles only when nothing of it is left: the
 * leader has exited, the rest of the group is stopped (background children included), and
 * both pipes are read to their end.
 */
async function runProcess(
  spec: ShellJobSpec,
  settings: ResolvedShellSettings,
  clock: Clock,
  ctx: TaskContext<unknown>,
): Promise<ProcessRun> {
  const child = spawn(spec.command[0] ?? "", spec.command.slice(1), {
    shell: false,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv(spec, settings, ctx),
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
  });
  const stdoutCapture = new OutputCapture(settings.maxOutputBytes);
  const stderrCapture = new OutputCapture(settings.maxOutputBytes);
  child.stdout?.on("data", (chunk: Buffer) => stdoutCapture.write(chunk));
  child.stderr?.on("data", (chunk: Buffer) => stderrCapture.write(chunk));
  const pipesClosed = Promise.all([streamClosed(child.stdout), streamClosed(child.stderr)]);

  const exit = await leaderExit(child, spec.command[0] ?? "");
  const group = new ProcessGroup(exit.pid, clock, settings.killGraceMs);
  const onAbort = () => void group.stop();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  if (ctx.signal.aborted) onAbort();
  try {
    const status = await exit.status;
    // The leader is gone; whatever it left in its group (`cmd &`) must not outlive the job.
    const leftovers = await group.stop();
    const drained = await settlesWithin(pipesClosed, clock, PIPE_DRAIN_MS);
    if (!drained) {
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    return {
      exit: status,
      stdout: stdoutCapture.finish(),
      stderr: stderrCapture.finish(),
      leftovers,
      pipesHeldOpen: !drained,
    };
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
  }
}

/** Waits for the child to start (or fail to), then gives its pid and its exit. */
function leaderExit(
  child: ChildProcess,
  program: string,
): Promise<{ pid: number; status: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  return new Promise((resolve, reject) => {
    const status = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => {
      child.once("exit", (code, signal) => done({ code, signal }));
    });
    child.once("spawn", () => resolve({ pid: child.pid ?? 0, status }));
    // `on`, not `once`: a later "error" without a listener would crash the node.
    child.on("error", (error: NodeJS.ErrnoException) => reject(spawnFailed(program, error)));
  });
}

function childEnv(
  spec: ShellJobSpec,
  settings: ResolvedShellSettings,
  ctx: TaskContext<unknown>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of settings.inheritEnv) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, spec.env);
  env.TASKFLOW_JOB_ID = ctx.job.id;
  env.TASKFLOW_ATTEMPT = String(ctx.attempt);
  env.TASKFLOW_PAYLOAD = JSON.stringify(ctx.payload ?? null);
  return env;
}

async function assertDirectory(cwd: string, program: string): Promise<void> {
  const found = await stat(cwd).catch(() => null);
  if (found?.isDirectory() !== true) {
    throw new TaskFlowError(
      `cannot run ${JSON.stringify(program)}: its working directory ${cwd} ${found === null ? "does not exist" : "is not a directory"}`,
      { code: ErrorCode.ShellFailed, details: { cwd } },
    );
  }
}

function spawnFailed(program: string, error: NodeJS.ErrnoException): TaskFlowError {
  const why =
    error.code === "ENOENT"
      ? "the program was not found (give a path, or include its folder in PATH via executors.shell.inheritEnv)"
      : error.code === "EACCES"
        ? "the program is not executable"
        : error.code === "E2BIG"
          ? "its arguments and environment are too large (is the payload, passed as TASKFLOW_PAYLOAD, huge?)"
          : error.message;
  return new TaskFlowError(`cannot start ${JSON.stringify(program)}: ${why}`, {
    code: ErrorCode.ShellFailed,
    cause: error,
    details: { command: program, errno: error.code },
  });
}

function commandFailed(
  program: string,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  stderr: string,
  redact: Redactor,
): TaskFlowError {
  const how =
    exit.code === null ? `was killed by signal ${exit.signal ?? "unknown"}` : `exited with code ${exit.code}`;
  const tail = lastLines(stderr, STDERR_LINES_IN_ERROR);
  const message = `command ${JSON.stringify(program)} ${how}${tail === "" ? "" : `; last lines of stderr:\n${tail}`}`;
  return new TaskFlowError(redact(message), {
    code: ErrorCode.ShellFailed,
    details: { command: redact(program), exitCode: exit.code, signal: exit.signal },
  });
}

function lastLines(text: string, count: number): string {
  const lines = text.trimEnd().split("\n");
  const tail = lines.slice(-count).join("\n");
  return tail.length > 2000 ? `…${tail.slice(-2000)}` : tail;
}

function redactOutput(output: CapturedOutput, redact: Redactor): CapturedOutput {
  return { ...output, text: redact(output.text) };
}

/** The run's page shows the output: one stored line per stream, not one per chunk. */
async function writeOutputLogs(ctx: TaskContext<unknown>, stdout: string, stderr: string): Promise<void> {
  if (stdout !== "") await safeLog(ctx, "info", "stdout", { text: stdout });
  if (stderr !== "") await safeLog(ctx, "info", "stderr", { text: stderr });
}

function streamClosed(stream: NodeJS.ReadableStream | null): Promise<void> {
  if (stream === null) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once("close", () => resolve());
    stream.once("error", () => resolve());
  });
}

/** True if `promise` settles within `ms`, false otherwise (the promise keeps going). */
function settlesWithin(promise: Promise<unknown>, clock: Clock, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimer(clock.now() + ms, () => resolve(false), { keepAlive: true });
    promise.then(
      () => {
        timer.cancel();
        resolve(true);
      },
      () => {
        timer.cancel();
        resolve(true);
      },
    );
  });
}
