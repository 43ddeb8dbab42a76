import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/domain/errors.js";
import { parse, problemsOf, yaml } from "./config-fixtures.js";

const PING = ["tasks:", "  ping:", "    http: { url: http://127.0.0.1:8080/healthz }"];

/** The payload of the only schedule: a place where any value can be read back as parsed. */
function payloadOf(line: string, env: NodeJS.ProcessEnv): unknown {
  const config = parse(
    yaml(...PING, "schedules:", "  - id: a", "    task: ping", "    every: 1m", line),
    env,
  );
  return config.schedules[0]?.spec.payload;
}

describe("environment variables in taskflow.yaml", () => {
  it("replaces ${VAR} in string values, quoted or not", () => {
    const line = "    payload: { url: 'https://${HOST}/x', name: \"${NAME}\" }";
    expect(payloadOf(line, { HOST: "api.test", NAME: "ada" })).toEqual({
      url: "https://api.test/x",
      name: "ada",
    });
    expect(payloadOf("    payload: ${NAME} and ${HOST}", { HOST: "api.test", NAME: "ada" })).toBe(
      "ada and api.test",
    );
  });

  it("uses the default of ${VAR:-default} when the variable is unset or empty", () => {
    const line = "    payload: [ '${A:-one}', '${B:-two}', '${C:-}', '${D:-x}' ]";
    expect(payloadOf(line, { B: "", D: "set" })).toEqual(["one", "two", "", "set"]);
  });

  it("keeps $${ as a literal ${", () => {
    expect(payloadOf("    payload: 'echo $${HOME} and $$'", {})).toBe("echo ${HOME} and $$");
  });

  it("turns a value into a number or boolean where the field needs one, and keeps it text elsewhere", () => {
    const config = parse(
      yaml(
        "server:",
        "  port: ${PORT:-8080}",
        '  bodyLimit: "${LIMIT}"',
        'executors: { shell: { enabled: "${SHELL}" } }',
        "worker: { concurrency: '${WORKERS}' }",
        "database: ${N:-}",
      ),
      { PORT: "9091", LIMIT: "2048", SHELL: "true", WORKERS: "3" },
    );
    expect(config.server).toMatchObject({ port: 9091, bodyLimitBytes: 2048 });
    expect(config.executors.shell.enabled).toBe(true);
    expect(config.worker.concurrency).toBe(3);
    expect(config.database).toBeNull();
    expect(payloadOf("    payload: ${N}", { N: "00123" })).toBe("00123");
    expect(payloadOf("    payload: ['${N}', '${B}']", { N: "42", B: "true" })).toEqual(["42", "true"]);
  });

  it("refuses a value that does not fit its field, at the field", () => {
    const problems = problemsOf(yaml("server:", "  port: ${PORT}"), ErrorCode.ConfigInvalid, {
      PORT: "http",
    });
    expect(problems).toEqual([
      { path: "server.port", line: 2, column: 9, message: 'must be a whole number, got "http"' },
    ]);
  });

  it("never lets a variable's value add YAML structure", () => {
    const sneaky = "x\nschedules: []\nexecutors: { shell: { enabled: true } }";
    expect(payloadOf("    payload: ${V}", { V: sneaky })).toBe(sneaky);
    expect(payloadOf("    payload: ${V}", { V: "[1, 2]" })).toBe("[1, 2]");
    expect(payloadOf("    payload: ${V}", { V: "a: b" })).toBe("a: b");
    expect(payloadOf("    payload: ${V}", { V: "${OTHER}" })).toBe("${OTHER}");
    expect(payloadOf("    payload: ${V}", { V: "null" })).toBe("null");
  });

  it("leaves mapping keys and comments alone", () => {
    expect(payloadOf('    payload: { "${K}": v } # ${NOT_READ}', { K: "ignored" })).toEqual({ "${K}": "v" });
  });

  it("refuses a variable that is unset and has no default, naming it and its line", () => {
    const problems = problemsOf(
      yaml("database: ${DATABASE_URL}", "server:", "  host: ${HOST:-0.0.0.0}", "  port: ${PORT}"),
      ErrorCode.EnvVariableMissing,
    );
    expect(problems).toEqual([
      expect.objectContaining({ path: "database", line: 1, column: 11 }),
      expect.objectContaining({ path: "server.port", line: 4, column: 9 }),
    ]);
    expect(problems[0]?.message).toContain("environment variable DATABASE_URL is not set");
    expect(problems[1]?.message).toContain("PORT");
  });

  it("refuses a malformed reference instead of keeping it as text", () => {
    const problems = problemsOf(yaml("database: ${1X}", "dataDir: ./${UNCLOSED"));
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ["database", 1],
      ["dataDir", 2],
    ]);
    expect(problems[0]?.message).toContain("malformed variable reference");
  });

  it("explains that a reference inside { } or [ ] needs quotes", () => {
    const problems = problemsOf(yaml("server: { port: ${PORT} }"), ErrorCode.ConfigInvalid, { PORT: "1" });
    expect(problems[0]?.line).toBe(1);
    expect(problems[0]?.message).toContain('quote a variable reference: "${PORT}"');
  });
});
