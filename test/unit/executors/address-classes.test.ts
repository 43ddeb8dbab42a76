import { describe, expect, it } from "vitest";
import { classifyAddress } from "../../../src/executors/address-classes.js";

describe("classifyAddress", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["0.0.0.0", "unspecified"],
    ["0.1.2.3", "unspecified"],
    ["10.0.0.1", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["100.64.0.1", "carrier-grade NAT"],
    ["100.127.255.255", "carrier-grade NAT"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "cloud metadata"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.250", "multicast"],
    ["255.255.255.255", "broadcast"],
    ["240.0.0.1", "reserved"],
    ["192.0.2.10", "documentation"],
    ["198.18.0.1", "benchmarking"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fc00::1", "private"],
    ["fd12:3456::1", "private"],
    ["fe80::1", "link-local"],
    ["fe80::1%eth0", "link-local"],
    ["fd00:ec2::254", "cloud metadata"],
    ["ff02::1", "multicast"],
    ["2001:db8::1", "documentation"],
    ["[::1]", "loopback"],
  ])("refuses %s as %s", (address, reason) => {
    expect(classifyAddress(address)).toEqual({ forbidden: true, reason });
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback", "127.0.0.1"],
    ["::ffff:7f00:1", "loopback", "127.0.0.1"],
    ["0:0:0:0:0:ffff:7f00:0001", "loopback", "127.0.0.1"],
    ["::ffff:169.254.169.254", "cloud metadata", "169.254.169.254"],
    ["::ffff:a00:1", "private", "10.0.0.1"],
    ["::127.0.0.1", "loopback", "127.0.0.1"],
    ["::ffff:0:10.1.2.3", "private", "10.1.2.3"],
    ["64:ff9b::7f00:1", "loopback", "127.0.0.1"],
    ["64:ff9b::192.168.0.1", "private", "192.168.0.1"],
    ["2002:7f00:1::", "loopback", "127.0.0.1"],
  ])("judges %s by the IPv4 address it embeds", (address, reason, embeddedIpv4) => {
    expect(classifyAddress(address)).toEqual({ forbidden: true, reason, embeddedIpv4 });
  });

  it.each([
    "93.184.216.34",
    "8.8.8.8",
    "1.1.1.1",
    "172.32.0.1",
    "100.128.0.1",
    "2606:4700:4700::1111",
    "::ffff:8.8.8.8",
    "64:ff9b::8.8.8.8",
    "2a00:1450:4001:81c::200e",
  ])("lets the public address %s through", (address) => {
    expect(classifyAddress(address)).toEqual({ forbidden: false });
  });

  it("refuses what it cannot parse and unassigned IPv6 space", () => {
    expect(classifyAddress("localhost")).toEqual({ forbidden: true, reason: "reserved" });
    expect(classifyAddress("999.1.1.1")).toEqual({ forbidden: true, reason: "reserved" });
    expect(classifyAddress("4000::1")).toEqual({ forbidden: true, reason: "reserved" });
  });
});
