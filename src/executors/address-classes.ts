import { inNetwork, ipv4Text, mappedIpv4, parseIp, parseNetwork, type IpNetwork } from "./ip-address.js";

/** Why an address is not reachable from HTTP jobs unless allow-listed. */
export type ForbiddenReason =
  | "loopback"
  | "unspecified"
  | "private"
  | "carrier-grade NAT"
  | "link-local"
  | "cloud metadata"
  | "multicast"
  | "broadcast"
  | "documentation"
  | "benchmarking"
  | "reserved"
  | "Teredo tunnel";

export type AddressClass =
  | { forbidden: false }
  | {
      forbidden: true;
      reason: ForbiddenReason;
      /** The IPv4 address that decided, when an IPv6 address embeds one (`::ffff:127.0.0.1`). */
      embeddedIpv4?: string;
    };

function table(entries: [string, ForbiddenReason][]): [IpNetwork, ForbiddenReason][] {
  return entries.map(([cidr, reason]) => {
    const network = parseNetwork(cidr);
    if (network === null) throw new Error(`bad built-in network ${cidr}`);
    return [network, reason];
  });
}

// First match wins: the specific metadata addresses come before the ranges that contain them.
const IPV4_RULES = table([
  ["169.254.169.254/32", "cloud metadata"],
  ["0.0.0.0/8", "unspecified"],
  ["10.0.0.0/8", "private"],
  ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local"],
  ["172.16.0.0/12", "private"],
  ["192.0.0.0/24", "reserved"],
  ["192.0.2.0/24", "documentation"],
  ["192.88.99.0/24", "reserved"],
  ["192.168.0.0/16", "private"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation"],
  ["203.0.113.0/24", "documentation"],
  ["224.0.0.0/4", "multicast"],
  ["255.255.255.255/32", "broadcast"],
  ["240.0.0.0/4", "reserved"],
]);

const IPV6_RULES = table([
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fd00:ec2::254/128", "cloud metadata"],
  ["fc00::/7", "private"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "private"],
  ["ff00::/8", "multicast"],
  ["100::/64", "reserved"],
  ["64:ff9b:1::/48", "private"],
  ["2001::/32", "Teredo tunnel"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
]);

/** Global unicast; anything outside it that no rule names is unassigned, hence refused. */
const GLOBAL_UNICAST = parseNetwork("2000::/3") as IpNetwork;

/**
 * IPv6 forms that carry an IPv4 address; the IPv4 address is what is reached, so it decides.
 * `::a.b.c.d` (IPv4-compatible) excludes `::` and `::1`, which the IPv6 rules judge.
 */
const EMBEDDED_IPV4: { network: IpNetwork; extract: (value: bigint) => bigint }[] = [
  { network: parseNetwork("::ffff:0:0/96") as IpNetwork, extract: (v) => v },
  { network: parseNetwork("::ffff:0:0:0/96") as IpNetwork, extract: (v) => v },
  { network: parseNetwork("64:ff9b::/96") as IpNetwork, extract: (v) => v },
  { network: parseNetwork("::/96") as IpNetwork, extract: (v) => v },
  { network: parseNetwork("2002::/16") as IpNetwork, extract: (v) => v >> 80n },
];

/**
 * Classifies an IP address (text as DNS or a URL gives it) for the SSRF guard. Text that is not
 * an IP address is refused as "reserved": the guard never lets through what it cannot judge.
 */
export function classifyAddress(text: string): AddressClass {
  const address = parseIp(text);
  if (address === null) return { forbidden: true, reason: "reserved" };
  const embedded = embeddedIpv4(address.value);
  if (embedded !== null) {
    const verdict = classifyIpv4(embedded);
    if (!verdict.forbidden) return verdict;
    return address.version === 4 ? verdict : { ...verdict, embeddedIpv4: ipv4Text(embedded) };
  }
  for (const [network, reason] of IPV6_RULES) {
    if (inNetwork(address.value, network)) return { forbidden: true, reason };
  }
  return inNetwork(address.value, GLOBAL_UNICAST)
    ? { forbidden: false }
    : { forbidden: true, reason: "reserved" };
}

/** The IPv4 address an address stands for (itself when it is IPv4), or null if pure IPv6. */
export function embeddedIpv4(value: bigint): bigint | null {
  for (const form of EMBEDDED_IPV4) {
    if (!inNetwork(value, form.network)) continue;
    if (value === 0n || value === 1n) return null;
    return mappedIpv4(form.extract(value));
  }
  return null;
}

function classifyIpv4(mapped: bigint): AddressClass {
  for (const [network, reason] of IPV4_RULES) {
    if (inNetwork(mapped, network)) return { forbidden: true, reason };
  }
  return { forbidden: false };
}
