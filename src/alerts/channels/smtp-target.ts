import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { checkAddress, type AllowRule } from "../../executors/ssrf-guard.js";
import { ChannelDeliveryFailure, ChannelErrorCode } from "./channel-errors.js";

/**
 * The SMTP server's address, checked like an HTTP channel's: SMTP lines sent to an internal
 * service (Redis, memcached, an admin port) are a known cross-protocol attack, so a loopback,
 * private, link-local or metadata address needs an `alerts.allow` entry. The name is resolved
 * once and the connection goes to the checked address (no second lookup to rebind), while TLS
 * still verifies the certificate against the name.
 */
export async function checkedSmtpAddress(
  where: string,
  host: string,
  port: number,
  allow: readonly AllowRule[],
): Promise<{ address: string; servername: string | undefined }> {
  const name = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  let addresses: string[];
  if (isIP(name) !== 0) {
    addresses = [name];
  } else {
    try {
      addresses = (await lookup(name, { all: true })).map((found) => found.address);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "EDNS";
      throw new ChannelDeliveryFailure(
        `${where} failed: cannot resolve ${name} (${code})`,
        { status: null, detail: `cannot resolve ${name} (${code})` },
        true,
        ChannelErrorCode.Network,
      );
    }
  }
  for (const address of addresses) {
    const refusal = checkAddress(allow, { host: name, port }, address);
    if (refusal === null) continue;
    const reason = String(refusal.details.reason);
    const shown = address.includes(":") ? `[${address}]` : address;
    const detail = `refused to connect to ${name === address ? shown : `${name} (${shown})`}: a ${reason} address, not in the allow-list`;
    throw new ChannelDeliveryFailure(
      `${where} ${detail}; add "${shown}:${port}"${name === address ? "" : ` (or "${name}:${port}")`} to alerts.allow in taskflow.yaml`,
      { status: null, detail },
      false,
      ChannelErrorCode.TargetForbidden,
    );
  }
  // One address is used, so that nothing resolves again; IPv4 first, where mail servers listen.
  const chosen = addresses.find((address) => isIP(address) === 4) ?? addresses[0] ?? name;
  return { address: chosen, servername: isIP(name) === 0 ? name : undefined };
}
