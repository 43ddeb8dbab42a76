import { describe, expect, it } from "vitest";
import { httpRequestSecrets, loggedHeaders, safeUrl } from "../../../src/executors/http-redaction.js";
import { createRedactor, redactJson, secretEnvValues } from "../../../src/executors/redact.js";

describe("redaction", () => {
  it("replaces every occurrence of each secret, longest first, ignoring values under 4 characters", () => {
    const redact = createRedactor(["hunter2", "hunter2-long", "abc"]);
    expect(redact("a hunter2-long and hunter2, abc")).toBe("a [REDACTED] and [REDACTED], abc");
  });

  it("treats regular-expression characters in secrets literally", () => {
    expect(createRedactor(["a.b*c(d"])("xa.b*c(dx axbbc")).toBe("x[REDACTED]x axbbc");
  });

  it("finds secrets among environment variables by name, plus the names listed", () => {
    const env = {
      API_TOKEN: "t0ken",
      DB_PASSWORD: "pw-123",
      MY_KEY: "k3y!",
      PLAIN: "visible",
      EXTRA: "extra-val",
    };
    expect(secretEnvValues(env, ["EXTRA"]).sort()).toEqual(["extra-val", "k3y!", "pw-123", "t0ken"]);
  });

  it("redacts strings anywhere in a JSON value", () => {
    const redact = createRedactor(["s3cret"]);
    expect(redactJson({ a: ["x s3cret"], b: { c: "s3cret" }, n: 1 }, redact)).toEqual({
      a: ["x [REDACTED]"],
      b: { c: "[REDACTED]" },
      n: 1,
    });
  });

  it("takes an HTTP request's credentials from its secret-like headers and query parameters", () => {
    const secrets = httpRequestSecrets({
      url: "http://h/p?token=qwerty123&page=2",
      headers: { Authorization: "Bearer abc.def.ghi", Accept: "text/plain", "X-Api-Key": "key-9876" },
    });
    expect(secrets.sort()).toEqual(["Bearer abc.def.ghi", "abc.def.ghi", "key-9876", "qwerty123"]);
  });

  it("logs URLs without user info or secret query values, and masks credential headers", () => {
    const redact = createRedactor([]);
    expect(safeUrl(new URL("https://u:p@h.example/x?api_key=1234&page=2&sig=zz"), redact)).toBe(
      "https://h.example/x?api_key=[REDACTED]&page=2&sig=[REDACTED]",
    );
    expect(loggedHeaders({ Authorization: "Bearer x", Cookie: "a=b", Accept: "*/*" }, redact)).toEqual({
      Authorization: "[REDACTED]",
      Cookie: "[REDACTED]",
      Accept: "*/*",
    });
  });
});
