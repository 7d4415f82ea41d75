import { BlockList, isIP } from "node:net";

/**
 * Which network addresses an outgoing request may reach. Without the operator's permission, a brand's webhook
 * URL must not become a way into our own network (SSRF): loopback, private, link-local, carrier-grade NAT,
 * multicast and reserved ranges are refused. Cloud metadata services are refused even with permission: nothing a
 * brand configures has a reason to reach them, and they hand out credentials.
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

const METADATA = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"]);

/** `::ffff:10.0.0.1` is 10.0.0.1: check the IPv4 address an IPv4-mapped IPv6 address stands for. */
function unmapped(address: string): { address: string; family: "ipv4" | "ipv6" } | undefined {
  const version = isIP(address);
  if (version === 0) return undefined;
  if (version === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return { address: mapped[1], family: "ipv4" };
    return { address: address.toLowerCase(), family: "ipv6" };
  }
  return { address, family: "ipv4" };
}

/** Why an address may not be reached, or undefined when it may. */
export function refusedAddress(address: string, allowPrivate: boolean): string | undefined {
  const ip = unmapped(address);
  if (!ip) return `${address} is not an IP address`;
  if (METADATA.has(ip.address)) return `${address} is a cloud metadata address`;
  if (!allowPrivate && PRIVATE.check(ip.address, ip.family)) {
    return `${address} is a loopback, private or reserved address`;
  }
  return undefined;
}

/** Why a URL may not be a target before any lookup (scheme, credentials, literal addresses), or undefined. */
export function refusedUrl(raw: string, allowPrivate: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not an absolute URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be http or https";
  if (url.username || url.password) return "must not carry credentials";
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (isIP(host)) return refusedAddress(host, allowPrivate);
  if (!allowPrivate && (host === "localhost" || host.endsWith(".localhost"))) return `${host} is loopback`;
  return undefined;
}
