import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../src/domain/errors.js";
import { PermanentError } from "../../../src/domain/errors.js";
import {
  assertLiteralTargetAllowed,
  checkAddress,
  isAllowed,
  parseAllowList,
  parseAllowRule,
  targetOf,
} from "../../../src/executors/ssrf-guard.js";
import { expectInvalidInput, thrownBy } from "../thrown-error.js";

const target = (url: string) => targetOf(new URL(url));

describe("allow-list entries", () => {
  it("parses IPs, CIDR ranges and hostnames, each with an optional port", () => {
    expect(parseAllowRule("127.0.0.1:8080")).toMatchObject({ port: 8080, match: { kind: "network" } });
    expect(parseAllowRule("10.0.0.0/8")).toMatchObject({ port: null, match: { kind: "network" } });
    expect(parseAllowRule("10.0.0.0/8:443")).toMatchObject({ port: 443, match: { kind: "network" } });
    expect(parseAllowRule("[::1]:8080")).toMatchObject({ port: 8080, match: { kind: "network" } });
    expect(parseAllowRule("fc00::/7")).toMatchObject({ port: null, match: { kind: "network" } });
    expect(parseAllowRule("Api.Internal:443")).toMatchObject({
      port: 443,
      match: { kind: "host", host: "api.internal", wildcard: false },
    });
    expect(parseAllowRule("*.internal")).toMatchObject({
      match: { kind: "host", host: "internal", wildcard: true },
    });
  });

  it.each(["", "127.0.0.1:0", "127.0.0.1:99999", "10.0.0.0/33", "http://x", "[::1", "a b", "host:port"])(
    "refuses the entry %j naming the allow option",
    (entry) => {
      const error = expectInvalidInput(() => parseAllowList([entry]), ErrorCode.InvalidOption);
      expect(error.details.option).toBe("allow");
    },
  );

  it("matches by address (IPv4-mapped forms included) and port, or by hostname", () => {
    const rules = parseAllowList(["127.0.0.1:8080", "10.1.0.0/16", "db.internal", "*.svc.local:80"]);
    expect(isAllowed(rules, target("http://127.0.0.1:8080/"), "127.0.0.1")).toBe(true);
    expect(isAllowed(rules, target("http://[::ffff:127.0.0.1]:8080/"), "::ffff:127.0.0.1")).toBe(true);
    expect(isAllowed(rules, target("http://127.0.0.1:8081/"), "127.0.0.1")).toBe(false);
    expect(isAllowed(rules, target("http://10.1.2.3/"), "10.1.2.3")).toBe(true);
    expect(isAllowed(rules, target("http://10.2.0.1/"), "10.2.0.1")).toBe(false);
    expect(isAllowed(rules, target("http://db.internal:5000/"), "10.9.9.9")).toBe(true);
    expect(isAllowed(rules, target("http://a.svc.local/"), "192.168.0.1")).toBe(true);
    expect(isAllowed(rules, target("http://svc.local/"), "192.168.0.1")).toBe(false);
    expect(isAllowed(rules, target("https://a.svc.local/"), "192.168.0.1")).toBe(false);
  });
});

describe("the target check", () => {
  it("refuses an IP literal with a permanent HTTP_TARGET_FORBIDDEN error saying why and how to allow it", () => {
    const error = thrownBy(() => assertLiteralTargetAllowed([], new URL("http://[::ffff:127.0.0.1]:8080/x")));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({
      code: ErrorCode.HttpTargetForbidden,
      details: {
        host: "::ffff:7f00:1",
        address: "::ffff:7f00:1",
        reason: "loopback",
        embeddedIpv4: "127.0.0.1",
      },
    });
    expect((error as Error).message).toContain("loopback");
    expect((error as Error).message).toContain('"[::ffff:7f00:1]:8080" to executors.http.allow');
  });

  it("leaves hostnames to the lookup, and lets public literals through", () => {
    expect(() => assertLiteralTargetAllowed([], new URL("http://localhost:1/"))).not.toThrow();
    expect(() => assertLiteralTargetAllowed([], new URL("http://93.184.216.34/"))).not.toThrow();
  });

  it("names the host and the address it resolved to", () => {
    const refusal = checkAddress([], target("http://metadata.example:80/"), "169.254.169.254");
    expect(refusal?.message).toContain(
      "metadata.example resolves to 169.254.169.254, a cloud metadata address",
    );
    expect(refusal?.message).toContain('"metadata.example:80"');
  });

  it("normalises URL spellings of loopback before judging them", () => {
    for (const url of [
      "http://2130706433/",
      "http://0x7f.1/",
      "http://127.1/",
      "http://[0:0:0:0:0:0:0:1]/",
    ]) {
      expect(
        thrownBy(() => assertLiteralTargetAllowed([], new URL(url))),
        url,
      ).toMatchObject({
        code: ErrorCode.HttpTargetForbidden,
        details: { reason: "loopback" },
      });
    }
  });
});
