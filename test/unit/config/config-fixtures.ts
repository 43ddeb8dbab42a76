import { ErrorCode } from "../../../src/domain/errors.js";
import { parseConfig, type ConfigProblem, type ServiceConfig } from "../../../src/config/index.js";
import { expectInvalidInput } from "../thrown-error.js";

export const SOURCE = "/srv/app/taskflow.yaml";
/** A fixed creation time for schedules, so `every` anchors and "never fires" do not drift. */
export const NOW = Date.UTC(2030, 0, 1);

/** Joins lines, so each test shows its file with the line numbers its assertions name. */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

export function parse(text: string, env: NodeJS.ProcessEnv = {}): ServiceConfig {
  return parseConfig(text, SOURCE, env, { now: NOW });
}

/** The problems of a file that must be refused with `code`. */
export function problemsOf(
  text: string,
  code: ErrorCode = ErrorCode.ConfigInvalid,
  env: NodeJS.ProcessEnv = {},
): ConfigProblem[] {
  const error = expectInvalidInput(() => parse(text, env), code);
  return error.details.problems as ConfigProblem[];
}
