import {
  createRedactor,
  MIN_SECRET_LENGTH,
  SECRET_FIELD_NAME,
  type Redactor,
} from "../../executors/redact.js";

/**
 * Webhook URLs of chat vendors are bearer credentials (whoever holds a Slack or WeCom hook URL
 * may post to the channel), so they are treated like passwords: every text a channel produces
 * (errors, reports) goes through a redactor of the URL's token and the signing secret, and
 * messages show the URL with the token already replaced.
 */
export function channelRedactor(secrets: readonly (string | undefined)[]): Redactor {
  const values: string[] = [];
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    values.push(secret);
    // Receivers may echo a value URL-encoded (a token in a query string).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) values.push(encoded);
  }
  return createRedactor(values);
}

/** The values of headers named like credentials (Authorization, X-Api-Key…). */
export function secretHeaderValues(headers: Record<string, string> | undefined): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!SECRET_FIELD_NAME.test(name)) continue;
    values.push(value);
    const credentials = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (credentials !== undefined) values.push(credentials);
  }
  return values;
}

/** Every query parameter value: a webhook URL's query is where its token usually is. */
export function queryValues(url: URL): string[] {
  return [...url.searchParams.values()];
}

/** The path segments after `prefix` (a hook path such as Slack's `/services/T…/B…/x…`). */
export function pathSegmentsAfter(url: URL, prefix: string): string[] {
  if (!url.pathname.startsWith(prefix)) return url.pathname.split("/").filter((part) => part !== "");
  return url.pathname
    .slice(prefix.length)
    .split("/")
    .filter((part) => part !== "");
}

/** Origin and path, without the query (where tokens live) and without user:password. */
export function urlWithoutQuery(url: URL): string {
  return `${url.origin}${url.pathname}${url.search === "" ? "" : "?[REDACTED]"}`;
}

/**
 * A hook URL whose path after `prefix` is the token (Slack `/services/T…/B…/x…`, Feishu
 * `/open-apis/bot/v2/hook/<token>`): the URL to show, and the values to redact.
 */
export function hookUrl(url: URL, prefix: string): { displayUrl: string; secrets: string[] } {
  const underPrefix = url.pathname.startsWith(prefix);
  const secrets = [...pathSegmentsAfter(url, prefix), ...queryValues(url)];
  return { displayUrl: `${url.origin}${underPrefix ? prefix : "/"}[REDACTED]`, secrets };
}

/** A URL whose query holds the token (WeCom `key`, DingTalk `access_token`). */
export function queryTokenUrl(url: URL): { displayUrl: string; secrets: string[] } {
  return { displayUrl: urlWithoutQuery(url), secrets: queryValues(url) };
}
