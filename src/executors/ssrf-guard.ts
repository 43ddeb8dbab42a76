import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { ErrorCode } from "../domain/errors.js";
import { classifyAddress, embeddedIpv4, type ForbiddenReason } from "./address-classes.js";
import { PermanentExecutorError, invalidOption } from "./executor-errors.js";
import { inNetwork, parseIp, parseNetwork, type IpNetwork } from "./ip-address.js";

/**
 * The SSRF guard. HTTP jobs may not reach loopback, private, link-local, metadata and other
 * special addresses unless `executors.http.allow` lists the target. The check runs on the
 * address the socket actually connects to: a hostname is resolved by our own `lookup` (every
 * address it returns is checked, so DNS rebinding between a check and the connect is
 * impossible), and an IP literal, which the socket never looks up, is checked before the request.
 */

/** One entry of `executors.http.allow`: an IP, a CIDR or a hostname, optionally with a port. */
export interface AllowRule {
  readonly text: string;
  readonly port: number | null;
  readonly match: { kind: "network"; network: IpNetwork } | { kind: "host"; host: string; wildcard: boolean };
}

/** Where a request goes: the URL's host (lowercase, no brackets) and its effective port. */
export interface Target {
  host: string;
  port: number;
}

const HOSTNAME = /^(\*\.)?([a-z0-9_-]+\.)*[a-z0-9_-]+\.?$/i;

/** Parses `127.0.0.1:8080`, `10.0.0.0/8`, `[::1]:8080`, `fc00::/7`, `api.internal:443`, `*.internal`. */
export function parseAllowRule(text: string): AllowRule {
  const fail = () =>
    invalidOption(
      "allow",
      `allow entry ${JSON.stringify(text)} must be an IP address, a CIDR range or a hostname, optionally with :port (IPv6 in brackets: [::1]:8080)`,
    );
  if (typeof text !== "string" || text.trim() === "") throw fail();
  let hostPart = text.trim();
  let portPart: string | null = null;
  if (hostPart.startsWith("[")) {
    const close = hostPart.indexOf("]");
    if (close === -1) throw fail();
    const after = hostPart.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw fail();
    portPart = after === "" ? null : after.slice(1);
    hostPart = hostPart.slice(1, close);
  } else if (hostPart.split(":").length === 2) {
    [hostPart, portPart] = hostPart.split(":") as [string, string];
  }
  let port: number | null = null;
  if (portPart !== null) {
    if (!/^\d{1,5}$/.test(portPart) || Number(portPart) < 1 || Number(portPart) > 65535) throw fail();
    port = Number(portPart);
  }
  const network = parseNetwork(hostPart);
  if (network !== null) return { text, port, match: { kind: "network", network } };
  if (hostPart.includes(":") || hostPart.includes("/") || !HOSTNAME.test(hostPart)) throw fail();
  const wildcard = hostPart.startsWith("*.");
  const host = (wildcard ? hostPart.slice(2) : hostPart).toLowerCase().replace(/\.$/, "");
  return { text, port, match: { kind: "host", host, wildcard } };
}

export function parseAllowList(entries: unknown): AllowRule[] {
  if (entries === undefined) return [];
  if (!Array.isArray(entries))
    throw invalidOption("allow", "allow must be a list of IPs, CIDR ranges or hostnames");
  return entries.map((entry) => parseAllowRule(entry as string));
}

export function targetOf(url: URL): Target {
  let host = url.hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  host = host.replace(/\.$/, "");
  const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
  return { host, port };
}

/** True if an allow rule covers this host name (any address) or this address. */
export function isAllowed(rules: readonly AllowRule[], target: Target, address: string): boolean {
  const ip = parseIp(address);
  return rules.some((rule) => {
    if (rule.port !== null && rule.port !== target.port) return false;
    if (rule.match.kind === "host") {
      const { host, wildcard } = rule.match;
      return wildcard ? target.host.endsWith(`.${host}`) : target.host === host;
    }
    if (ip === null) return false;
    const embedded = embeddedIpv4(ip.value);
    return (
      inNetwork(ip.value, rule.match.network) ||
      (embedded !== null && inNetwork(embedded, rule.match.network))
    );
  });
}

/** The refusal for connecting to `address` for `target`, or null if the connection may go ahead. */
export function checkAddress(
  rules: readonly AllowRule[],
  target: Target,
  address: string,
): PermanentExecutorError | null {
  const verdict = classifyAddress(address);
  if (!verdict.forbidden || isAllowed(rules, target, address)) return null;
  return targetForbidden(target, address, verdict.reason, verdict.embeddedIpv4);
}

/**
 * Checks a URL whose host is an IP literal (the socket connects to it without a lookup, so
 * this is the only chance). Hostnames pass here and are checked by `guardedLookup`.
 */
export function assertLiteralTargetAllowed(rules: readonly AllowRule[], url: URL): void {
  const target = targetOf(url);
  if (isIP(target.host) === 0) return;
  const refusal = checkAddress(rules, target, target.host);
  if (refusal !== null) throw refusal;
}

/**
 * A `lookup` for `net.connect` that resolves a hostname and refuses the connection if any
 * address it returned is forbidden and not allow-listed. `onRefused` sees the refusal (the
 * HTTP client may wrap the socket's error).
 */
export function guardedLookup(
  rules: readonly AllowRule[],
  target: Target,
  onRefused: (refusal: PermanentExecutorError) => void,
): LookupFunction {
  return (hostname, options, callback) => {
    const wanted: LookupOptions = { ...options, all: true };
    dnsLookup(hostname, wanted, (error, found: LookupAddress[] | string) => {
      if (error !== null) return callback(error, "", 0);
      const addresses = Array.isArray(found) ? found : [];
      for (const { address } of addresses) {
        const refusal = checkAddress(rules, { ...target, host: hostname.toLowerCase() }, address);
        if (refusal !== null) {
          onRefused(refusal);
          return callback(refusal, "", 0);
        }
      }
      const first = addresses[0];
      if (options.all === true) return callback(null, addresses);
      if (first === undefined)
        return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 0);
      return callback(null, first.address, first.family);
    });
  };
}

function targetForbidden(
  target: Target,
  address: string,
  reason: ForbiddenReason,
  embeddedIpv4: string | undefined,
): PermanentExecutorError {
  const literal = isIP(target.host) !== 0;
  const shown = isIP(address) === 6 ? `[${address}]` : address;
  const what = `${article(reason)} ${reason} address${embeddedIpv4 === undefined ? "" : ` (it embeds the IPv4 address ${embeddedIpv4})`}`;
  const where = literal ? `${address} is ${what}` : `${target.host} resolves to ${address}, ${what}`;
  const suggestion = literal
    ? `"${shown}:${target.port}"`
    : `"${target.host}:${target.port}" (or the address "${shown}:${target.port}")`;
  return new PermanentExecutorError(
    `HTTP job refused to connect: ${where}. HTTP jobs may not reach ${reason} addresses; to allow this target, add ${suggestion} to executors.http.allow in taskflow.yaml`,
    {
      code: ErrorCode.HttpTargetForbidden,
      details: {
        host: target.host,
        port: target.port,
        address,
        reason,
        ...(embeddedIpv4 === undefined ? {} : { embeddedIpv4 }),
      },
    },
  );
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? "an" : "a";
}
