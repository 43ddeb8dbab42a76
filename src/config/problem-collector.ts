import { TaskFlowError } from "../domain/errors.js";
import type { ConfigPath, ConfigProblem } from "./config-problems.js";
import type { YamlSource } from "./yaml-source.js";

/**
 * Gathers every problem of a file instead of stopping at the first, so one run of
 * `taskflow config validate` lists them all.
 */
export class ProblemCollector {
  readonly problems: ConfigProblem[] = [];

  constructor(readonly source: YamlSource) {}

  add(path: ConfigPath, message: string, at: "key" | "value" = "value"): void {
    this.problems.push(this.source.problem(path, message, at));
  }

  /**
   * Runs one of the engine's validations; a TaskFlowError it throws becomes a problem at the
   * field `locate` derives from the error (its `details`), else at `path`.
   */
  check<T>(
    path: ConfigPath,
    validate: () => T,
    locate?: (error: TaskFlowError) => ConfigPath | undefined,
  ): T | undefined {
    try {
      return validate();
    } catch (error) {
      if (!(error instanceof TaskFlowError)) throw error;
      this.add(locate?.(error) ?? path, error.message);
      return undefined;
    }
  }
}

/** The `details.option` of an engine error, as a path below `base` (`"retry.base"` → retry, base). */
export function optionPath(
  base: ConfigPath,
  error: TaskFlowError,
  rename: Record<string, string> = {},
): ConfigPath | undefined {
  const option = error.details.option;
  if (typeof option !== "string" || option === "") return undefined;
  const renamed = rename[option] ?? option;
  return [...base, ...renamed.split(".").filter((segment) => segment !== "")];
}
