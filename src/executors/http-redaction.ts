import type { HttpJobSpec } from "./http-spec.js";
import { MIN_SECRET_LENGTH, REDACTED, SECRET_FIELD_NAME, type Redactor } from "./redact.js";

/**
 * The secret values of a request: values of headers named like credentials (Authorization,
 * Cookie, X-Api-Key…) and of query parameters named like them (`?token=…`). A server that
 * echoes them back, or an error that quotes them, must not get them stored.
 */
export function httpRequestSecrets(spec: HttpJobSpec): string[] {
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (!SECRET_FIELD_NAME.test(name)) continue;
    secrets.push(value);
    // "Bearer abc…", "Basic dXNl…": the credentials alone may be echoed too.
    const credentials = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (credentials !== undefined) secrets.push(credentials);
  }
  for (const [name, value] of new URL(spec.url).searchParams) {
    if (SECRET_FIELD_NAME.test(name)) secrets.push(value);
  }
  return secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
}

/** A URL fit for logs: no user:password, secret-like query values replaced, known secrets redacted. */
export function safeUrl(url: URL, redact: Redactor): string {
  const copy = new URL(url.href);
  copy.username = "";
  copy.password = "";
  if (copy.search !== "") {
    copy.search = copy.search
      .slice(1)
      .split("&")
      .map((pair) => {
        const equals = pair.indexOf("=");
        if (equals === -1) return pair;
        const name = decodeComponent(pair.slice(0, equals));
        return SECRET_FIELD_NAME.test(name) ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
      })
      .join("&");
  }
  return redact(decodeBrackets(copy.href));
}

/** Request headers fit for logs: credential-like values replaced whole, others redacted. */
export function loggedHeaders(headers: Record<string, string>, redact: Redactor): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [
      name,
      SECRET_FIELD_NAME.test(name) ? REDACTED : redact(value),
    ]),
  );
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    return text;
  }
}

/** `URL` percent-encodes the brackets of our marker; show it as written. */
function decodeBrackets(href: string): string {
  return href.replaceAll("%5BREDACTED%5D", REDACTED);
}
