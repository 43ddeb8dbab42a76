import { isIPv4, isIPv6 } from "node:net";

/**
 * IP addresses as 128-bit numbers in the IPv6 space, IPv4 stored IPv4-mapped
 * (`::ffff:a.b.c.d`), so that one comparison covers `127.0.0.1` and `::ffff:127.0.0.1`.
 */
export interface IpAddress {
  readonly value: bigint;
  /** 4 for a dotted-quad address, 6 for anything written in IPv6 form. */
  readonly version: 4 | 6;
}

export interface IpNetwork {
  /** The network's first address, in the IPv6 space. */
  readonly base: bigint;
  /** Prefix length in the IPv6 space (an IPv4 /8 is /104). */
  readonly prefix: number;
}

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/** Parses an IPv4 or IPv6 address, with or without brackets or a zone (`fe80::1%eth0`). */
export function parseIp(text: string): IpAddress | null {
  let address = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = address.indexOf("%");
  if (zone !== -1) address = address.slice(0, zone);
  if (isIPv4(address)) return { value: IPV4_MAPPED_PREFIX | ipv4Value(address), version: 4 };
  if (isIPv6(address)) return { value: ipv6Value(address), version: 6 };
  return null;
}

/** Parses `10.0.0.0/8`, `fc00::/7`, or a single address (a /32 or /128). */
export function parseNetwork(text: string): IpNetwork | null {
  const slash = text.indexOf("/");
  const address = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (address === null) return null;
  const width = address.version === 4 ? 32 : 128;
  let bits = width;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    bits = Number(prefixText);
    if (bits > width) return null;
  }
  const prefix = address.version === 4 ? 96 + bits : bits;
  return { base: address.value & networkMask(prefix), prefix };
}

export function inNetwork(address: bigint, network: IpNetwork): boolean {
  const mask = networkMask(network.prefix);
  return (address & mask) === network.base;
}

/** The IPv4 address in the low 32 bits, as text. */
export function ipv4Text(value: bigint): string {
  const low = Number(value & 0xffffffffn);
  return [low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff].join(".");
}

/** An IPv4 address in the IPv4-mapped form we compare with. */
export function mappedIpv4(ipv4: bigint): bigint {
  return IPV4_MAPPED_PREFIX | (ipv4 & 0xffffffffn);
}

function networkMask(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL_ONES << BigInt(128 - prefix)) & ALL_ONES;
}

function ipv4Value(text: string): bigint {
  return text.split(".").reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** Expects text that `isIPv6` accepted: hex groups, at most one `::`, maybe a dotted tail. */
function ipv6Value(text: string): bigint {
  let groups: string[];
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  let head = text;
  let tailGroups: string[] = [];
  if (tail.includes(".")) {
    const v4 = Number(ipv4Value(tail));
    tailGroups = [(v4 >>> 16).toString(16), (v4 & 0xffff).toString(16)];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith("::")) head = head.slice(0, -2) + "::";
    else head = head.slice(0, -1);
  }
  const double = head.indexOf("::");
  if (double === -1) {
    groups = [...(head === "" ? [] : head.split(":")), ...tailGroups];
  } else {
    const left = head.slice(0, double) === "" ? [] : head.slice(0, double).split(":");
    const right = head.slice(double + 2) === "" ? [] : head.slice(double + 2).split(":");
    const known = [...right, ...tailGroups];
    groups = [...left, ...Array<string>(8 - left.length - known.length).fill("0"), ...known];
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(parseInt(group, 16)), 0n);
}
