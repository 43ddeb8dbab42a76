import { access, readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ErrorCode, InvalidInputError } from "../domain/errors.js";
import type { RawConfig } from "./config-schema.js";
import { configError, type ConfigProblem } from "./config-problems.js";
import { substituteEnv } from "./env-substitution.js";
import { ProblemCollector } from "./problem-collector.js";
import { resolveSections } from "./resolve-sections.js";
import { resolveCalendars, resolveExternalTasks, resolveSchedules } from "./resolve-schedules.js";
import { resolveTasks } from "./resolve-tasks.js";
import { schemaProblems } from "./schema-problems.js";
import { typeSubstitutedValues } from "./substituted-values.js";
import type { ServiceConfig } from "./service-config.js";
import { YamlSource } from "./yaml-source.js";

export interface ParseConfigOptions {
  /** The creation time of the schedules checked (anchors `every`; a cron must fire after it). @defaultValue now */
  now?: number;
}

/**
 * Reads, checks and resolves a taskflow.yaml. Throws `InvalidInputError` with code
 * `CONFIG_NOT_FOUND`, `ENV_VARIABLE_MISSING` or `CONFIG_INVALID`; the last two list every
 * problem with its line and column in the message and in `details.problems`.
 */
export async function loadConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<ServiceConfig> {
  const sourcePath = resolve(path);
  const text = await readConfigText(sourcePath);
  const config = parseConfig(text, sourcePath, env);
  await checkModulesExist(config, text);
  return config;
}

/** Reads the file; a missing one is `CONFIG_NOT_FOUND`. */
export async function readConfigText(sourcePath: string): Promise<string> {
  try {
    return await readFile(sourcePath, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new InvalidInputError(
        `configuration file ${sourcePath} not found; create it (see examples/taskflow.yaml) or pass --config`,
        { code: ErrorCode.ConfigNotFound, cause: error, details: { file: sourcePath } },
      );
    }
    throw new InvalidInputError(`cannot read configuration file ${sourcePath}: ${(error as Error).message}`, {
      code: ErrorCode.ConfigInvalid,
      cause: error,
      details: { file: sourcePath, problems: [] },
    });
  }
}

/** Checks and resolves the text of a taskflow.yaml; pure: reads no file, imports no module. */
export function parseConfig(
  text: string,
  sourcePath: string,
  env: NodeJS.ProcessEnv = process.env,
  options: ParseConfigOptions = {},
): ServiceConfig {
  const source = new YamlSource(text);
  const syntax = source.syntaxProblems();
  if (syntax.length > 0) throw configError(ErrorCode.ConfigInvalid, sourcePath, syntax);

  const { missing, malformed, substituted } = substituteEnv(source, env);
  if (missing.length > 0)
    throw configError(ErrorCode.EnvVariableMissing, sourcePath, [...missing, ...malformed]);
  if (malformed.length > 0) throw configError(ErrorCode.ConfigInvalid, sourcePath, malformed);

  const raw = withoutEmptySections(source.document.toJS({ maxAliasCount: 1000 }) as unknown);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    const problem = source.problem(
      [],
      "the file must be a mapping of settings (database:, tasks:, schedules:…)",
    );
    throw configError(ErrorCode.ConfigInvalid, sourcePath, [problem]);
  }
  typeSubstitutedValues(raw, substituted);
  const shape = schemaProblems(source, raw);
  if (shape.length > 0) throw configError(ErrorCode.ConfigInvalid, sourcePath, shape);

  const problems = new ProblemCollector(source);
  const config = resolveConfig(raw, resolve(sourcePath), options.now ?? Date.now(), problems);
  if (problems.problems.length > 0) throw configError(ErrorCode.ConfigInvalid, sourcePath, problems.problems);
  return config;
}

function resolveConfig(
  raw: RawConfig,
  sourcePath: string,
  now: number,
  problems: ProblemCollector,
): ServiceConfig {
  const folder = dirname(sourcePath);
  const sections = resolveSections(raw, folder, problems);
  const tasks = resolveTasks(raw, folder, sections.executors, problems);
  const externalTasks = resolveExternalTasks(raw, problems);
  const calendars = resolveCalendars(raw, problems);
  const schedules = resolveSchedules(
    raw,
    new Set([...Object.keys(raw.tasks ?? {}), ...externalTasks]),
    new Set(Object.keys(raw.calendars ?? {})),
    now,
    problems,
  );
  return { sourcePath, ...sections, calendars, tasks, externalTasks, schedules };
}

/**
 * `server:` with every line under it commented out is `server: null` in YAML: read it as absent,
 * like an empty section. Only the fixed sections, never user data (payloads, tasks' fields).
 */
function withoutEmptySections(value: unknown): unknown {
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) return value;
  const strip = (record: Record<string, unknown>, nested: readonly string[]): Record<string, unknown> => {
    const result: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) {
      if (inner === null) continue;
      const isSection = nested.includes(key) && typeof inner === "object" && !Array.isArray(inner);
      result[key] = isSection ? strip(inner as Record<string, unknown>, SECTIONS) : inner;
    }
    return result;
  };
  return strip(value as Record<string, unknown>, SECTIONS);
}

const SECTIONS = [
  "server",
  "worker",
  "retention",
  "executors",
  "shell",
  "http",
  "timeouts",
  "taskDefaults",
] as const;

/** Code tasks' modules must exist when the file is loaded, not when a job first runs. */
async function checkModulesExist(config: ServiceConfig, text: string): Promise<void> {
  const missing: ConfigProblem[] = [];
  const source = new YamlSource(text);
  for (const task of config.tasks) {
    if (task.kind !== "code") continue;
    try {
      await access(task.module);
    } catch {
      missing.push(source.problem(["tasks", task.name, "module"], `module file ${task.module} not found`));
    }
  }
  if (missing.length > 0) throw configError(ErrorCode.ConfigInvalid, config.sourcePath, missing);
}
