import { basename } from "node:path";
import { InvalidInputError, type ErrorCode } from "../domain/errors.js";

/** One thing wrong with a taskflow.yaml, located for a person (1-based line and column). */
export interface ConfigProblem {
  /** The field, as `schedules[1].cron` or `tasks.backup.shell.command`; `""` for the whole file. */
  path: string;
  line: number;
  column: number;
  message: string;
}

/** A field's place in the document: mapping keys and sequence indexes. */
export type ConfigPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["schedules", 1, "cron"]` → `schedules[1].cron`; keys that are not identifiers are quoted. */
export function formatPath(path: ConfigPath): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === "" ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** `taskflow.yaml:12:11 schedules[1].cron: message` */
export function formatProblem(fileName: string, problem: ConfigProblem): string {
  const where = `${fileName}:${problem.line}:${problem.column}`;
  return problem.path === "" ? `${where} ${problem.message}` : `${where} ${problem.path}: ${problem.message}`;
}

/** Problems come in file order, and the same message at the same place is said once. */
export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return [...problems]
    .sort((a, b) => a.line - b.line || a.column - b.column)
    .filter((problem) => {
      const key = `${problem.line}:${problem.column}:${problem.path}:${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

/**
 * The error every config failure becomes: a message listing each problem with its place, and
 * `details.problems` for programs (the CLI's `--json`, the REST API).
 */
export function configError(
  code: typeof ErrorCode.ConfigInvalid | typeof ErrorCode.EnvVariableMissing,
  sourcePath: string,
  problems: ConfigProblem[],
): InvalidInputError {
  const fileName = basename(sourcePath);
  const sorted = sortProblems(problems);
  const count = sorted.length === 1 ? "1 problem" : `${sorted.length} problems`;
  const lines = sorted.map((problem) => `  ${formatProblem(fileName, problem)}`);
  return new InvalidInputError(`${fileName} is not valid (${count}):\n${lines.join("\n")}`, {
    code,
    details: { file: sourcePath, problems: sorted },
  });
}

/** The problems of an error thrown by `loadConfig`/`parseConfig`, or none for other errors. */
export function configProblemsOf(error: unknown): ConfigProblem[] {
  if (!(error instanceof InvalidInputError)) return [];
  const problems = error.details.problems;
  return Array.isArray(problems) ? (problems as ConfigProblem[]) : [];
}
