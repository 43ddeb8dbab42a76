import { isMap, isPair, isScalar, isSeq, type Scalar } from "yaml";
import type { ConfigPath, ConfigProblem } from "./config-problems.js";
import type { YamlSource } from "./yaml-source.js";

/**
 * `${VAR}`, `${VAR:-default}` (default when VAR is unset or empty) and `$${` for a literal `${`.
 * Anything else starting with `${` is a mistake worth reporting, not text to keep.
 */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{[^}]*\}?/g;

export interface SubstitutionResult {
  /** Problems of variables that are unset and have no default. */
  missing: ConfigProblem[];
  /** Malformed references such as `${1X}` or an unclosed `${`. */
  malformed: ConfigProblem[];
  /** Where a variable was substituted: the value there is text, whatever it looks like. */
  substituted: ConfigPath[];
}

/**
 * Replaces variable references in the string values of the parsed document, in place. It works
 * on nodes, not on the text: a variable's value is only ever a scalar value, so it cannot add
 * keys or change the file's structure, and it stays text (see `typeSubstitutedValues` for
 * fields that need a number or a boolean). Mapping keys are left alone.
 */
export function substituteEnv(source: YamlSource, env: NodeJS.ProcessEnv): SubstitutionResult {
  const result: SubstitutionResult = { missing: [], malformed: [], substituted: [] };
  const visit = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : "?";
        visit(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === "string") {
      substituteScalar(node, path, env, source, result);
    }
  };
  visit(source.document.contents, []);
  return result;
}

function substituteScalar(
  node: Scalar<unknown>,
  path: ConfigPath,
  env: NodeJS.ProcessEnv,
  source: YamlSource,
  result: SubstitutionResult,
): void {
  const text = node.value as string;
  if (!text.includes("${")) return;
  let replaced = false;
  const value = text.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === "$${") return "${";
    if (name === undefined) {
      result.malformed.push(
        source.problem(
          path,
          `malformed variable reference ${JSON.stringify(match)}: write \${NAME} or \${NAME:-default} (NAME: letters, digits and _), or $\${ for a literal \${`,
        ),
      );
      return match;
    }
    replaced = true;
    const set = env[name];
    if (set !== undefined && (set !== "" || fallback === undefined)) return set;
    if (fallback !== undefined) return fallback;
    result.missing.push(
      source.problem(
        path,
        `environment variable ${name} is not set; set it, or give a default with \${${name}:-default}`,
      ),
    );
    return match;
  });
  node.value = value;
  if (replaced) result.substituted.push(path);
}
