import { isAbsolute } from "node:path";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import {
  MAX_TIMER_MS,
  describeValue,
  invalidOption,
  isRecord,
  optionalInteger,
  rejectUnknownFields,
} from "./executor-errors.js";

/** A shell job as declared under `tasks.<name>.shell` in taskflow.yaml, durations in ms. */
export interface ShellJobSpec {
  /** The program and its arguments (argv). No shell is involved unless you run one: `["sh", "-c", "…"]`. */
  command: string[];
  /** Extra variables for the child; their values are redacted from everything stored. @defaultValue {} */
  env?: Record<string, string>;
  /** Absolute working directory of the child. @defaultValue the node's working directory */
  cwd?: string;
  /** Per-attempt time limit: the process group is killed when it is reached. @defaultValue none */
  timeoutMs?: number;
}

/** `executors.shell` in taskflow.yaml: node-wide rules for every shell job, sizes in bytes. */
export interface ShellExecutorSettings {
  /** Shell jobs are refused (`SHELL_DISABLED`) unless this is true. @defaultValue false */
  enabled?: boolean;
  /** Bytes kept per stream (stdout, stderr): the first and last halves. @defaultValue 1 MiB */
  maxOutputBytes?: number;
  /** The only variables of the node's environment the child sees. @defaultValue ["PATH", "HOME", "LANG", "TZ"] */
  inheritEnv?: readonly string[];
  /** More environment variable names whose values are redacted (besides names like *TOKEN*, *KEY*…). @defaultValue [] */
  redactEnv?: readonly string[];
  /** Time between SIGTERM and SIGKILL when the process group is stopped. @defaultValue 2000 */
  killGraceMs?: number;
}

export interface ResolvedShellSettings {
  enabled: boolean;
  maxOutputBytes: number;
  inheritEnv: readonly string[];
  redactEnv: readonly string[];
  killGraceMs: number;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
export const DEFAULT_INHERIT_ENV: readonly string[] = ["PATH", "HOME", "LANG", "TZ"];
export const DEFAULT_KILL_GRACE_MS = 2000;

/** Variables TaskFlow sets for the child; a spec may not override them. */
export const RESERVED_ENV = ["TASKFLOW_JOB_ID", "TASKFLOW_ATTEMPT", "TASKFLOW_PAYLOAD"] as const;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPEC_FIELDS = ["command", "env", "cwd", "timeoutMs"] as const;

/** Validates a shell job spec (durations already in ms). Throws `INVALID_OPTION` naming the field. */
export function resolveShellSpec(raw: unknown): ShellJobSpec {
  if (!isRecord(raw)) {
    throw invalidOption("shell", `a shell job must be a mapping with a command, got ${describeValue(raw)}`);
  }
  rejectUnknownFields(raw, SPEC_FIELDS, "a shell job");
  const spec: ShellJobSpec = { command: resolveCommand(raw.command), env: resolveEnv(raw.env) };
  if (raw.cwd !== undefined) spec.cwd = resolveCwd(raw.cwd);
  const timeoutMs = optionalInteger(raw, "timeoutMs", 1, MAX_TIMER_MS, "milliseconds");
  if (timeoutMs !== undefined) spec.timeoutMs = timeoutMs;
  return spec;
}

function resolveCommand(value: unknown): string[] {
  const rule =
    'command must be a non-empty array of strings (argv), e.g. ["tar", "czf", "/tmp/b.tgz", "/data"]';
  if (!Array.isArray(value) || value.length === 0) {
    const hint = typeof value === "string" ? '; to run a shell string write ["sh", "-c", "…"]' : "";
    throw invalidOption("command", `${rule}, got ${describeValue(value)}${hint}`);
  }
  const argv: string[] = [];
  for (const [index, arg] of value.entries()) {
    if (typeof arg !== "string") {
      throw invalidOption("command", `${rule}; command[${index}] is ${describeValue(arg)}`);
    }
    if (arg.includes("\0")) throw invalidOption("command", `command[${index}] contains a NUL character`);
    argv.push(arg);
  }
  if (argv[0] === "") throw invalidOption("command", "command[0] (the program) must not be empty");
  return argv;
}

function resolveEnv(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    throw invalidOption(
      "env",
      `env must be a mapping of variable names to values, got ${describeValue(value)}`,
    );
  }
  const env: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!ENV_NAME.test(name)) {
      throw invalidOption(
        "env",
        `env name ${describeValue(name)} must be letters, digits and _, not starting with a digit`,
      );
    }
    if ((RESERVED_ENV as readonly string[]).includes(name)) {
      throw invalidOption("env", `env name ${name} is set by TaskFlow and cannot be overridden`);
    }
    const text =
      typeof raw === "number" && Number.isFinite(raw)
        ? String(raw)
        : typeof raw === "boolean"
          ? String(raw)
          : raw;
    if (typeof text !== "string") {
      throw invalidOption("env", `env.${name} must be a string, got ${describeValue(raw)}`);
    }
    if (text.includes("\0")) throw invalidOption("env", `env.${name} contains a NUL character`);
    env[name] = text;
  }
  return env;
}

function resolveCwd(value: unknown): string {
  if (typeof value !== "string" || value === "" || value.includes("\0") || !isAbsolute(value)) {
    throw invalidOption(
      "cwd",
      `cwd must be an absolute directory path without NUL, got ${describeValue(value)}`,
    );
  }
  return value;
}

/** Validates the node-wide shell settings and fills in the defaults. */
export function resolveShellSettings(settings: ShellExecutorSettings = {}): ResolvedShellSettings {
  if (settings.enabled !== undefined && typeof settings.enabled !== "boolean") {
    throw invalidOption("enabled", `enabled must be true or false, got ${describeValue(settings.enabled)}`);
  }
  const numbers = settings as Record<string, unknown>;
  return {
    enabled: settings.enabled ?? false,
    maxOutputBytes:
      optionalInteger(numbers, "maxOutputBytes", 2, 256 * 1024 * 1024, "bytes") ?? DEFAULT_MAX_OUTPUT_BYTES,
    inheritEnv: resolveNames(settings.inheritEnv, "inheritEnv") ?? DEFAULT_INHERIT_ENV,
    redactEnv: resolveNames(settings.redactEnv, "redactEnv") ?? [],
    killGraceMs:
      optionalInteger(numbers, "killGraceMs", 0, MAX_TIMER_MS, "milliseconds") ?? DEFAULT_KILL_GRACE_MS,
  };
}

function resolveNames(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((name) => typeof name !== "string" || !ENV_NAME.test(name))) {
    throw invalidOption(option, `${option} must be a list of environment variable names`);
  }
  return [...(value as string[])];
}

/**
 * Refuses shell jobs when the node's configuration has not enabled them: call it when a
 * taskflow.yaml (or an API request) declares a shell task.
 */
export function assertShellEnabled(settings: ShellExecutorSettings | undefined): void {
  if (settings?.enabled !== true) {
    throw new InvalidInputError(
      "shell jobs are disabled on this node; set executors.shell.enabled: true in taskflow.yaml to allow them",
      { code: ErrorCode.ShellDisabled, details: { option: "executors.shell.enabled" } },
    );
  }
}
