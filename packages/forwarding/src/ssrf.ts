// The SSRF guard for forward targets. A forward URL is operator input that the worker fetches from inside
// the network, so loopback, link-local, private and other non-public addresses are refused unless the source
// opts in. Checked twice: the URL when it is used (literal addresses), and every address its hostname
// resolves to when the socket connects, so a name that resolves to a public address when checked and to a
// private one a moment later (DNS rebinding) is still refused.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Addresses a forward may not reach without allowPrivateNetwork, with why, for the refusal message. */
const REFUSED_RANGES: ReadonlyArray<{ network: string; prefix: number; kind: string; ipv6Only?: true }> = [
  { network: '0.0.0.0', prefix: 8, kind: 'unspecified ("this network")' },
  { network: '10.0.0.0', prefix: 8, kind: 'private' },
  { network: '100.64.0.0', prefix: 10, kind: 'carrier-grade NAT' },
  { network: '127.0.0.0', prefix: 8, kind: 'loopback' },
  { network: '169.254.0.0', prefix: 16, kind: 'link-local' },
  { network: '172.16.0.0', prefix: 12, kind: 'private' },
  { network: '192.168.0.0', prefix: 16, kind: 'private' },
  { network: '192.0.0.0', prefix: 24, kind: 'IETF protocol assignments' },
  { network: '192.0.2.0', prefix: 24, kind: 'documentation (TEST-NET-1)' },
  { network: '198.18.0.0', prefix: 15, kind: 'benchmarking' },
  { network: '198.51.100.0', prefix: 24, kind: 'documentation (TEST-NET-2)' },
  { network: '203.0.113.0', prefix: 24, kind: 'documentation (TEST-NET-3)' },
  { network: '224.0.0.0', prefix: 4, kind: 'multicast' },
  { network: '240.0.0.0', prefix: 4, kind: 'reserved or broadcast' },
  // The deprecated IPv4-compatible form (::a.b.c.d), which BlockList does not map to IPv4; it also holds
  // the unspecified address (::) and loopback (::1).
  { network: '::', prefix: 96, kind: 'unspecified, loopback or IPv4-compatible' },
  // IPv6 forms that carry an IPv4 address a gateway will reach (NAT64, 6to4): refused whole, since the
  // embedded address may be private.
  // IPv4-mapped addresses written as IPv6: BlockList already checks ::ffff:a.b.c.d against the IPv4 ranges
  // above; this refuses the rest of them too. IPv6 only, since BlockList matches every IPv4 address to it.
  { network: '::ffff:0:0', prefix: 96, kind: 'IPv4-mapped', ipv6Only: true },
  { network: '64:ff9b::', prefix: 96, kind: 'NAT64 (embeds an IPv4 address)' },
  { network: '64:ff9b:1::', prefix: 48, kind: 'local-use NAT64' },
  { network: '2002::', prefix: 16, kind: '6to4 (embeds an IPv4 address)' },
  { network: '2001:db8::', prefix: 32, kind: 'documentation' },
  { network: 'fc00::', prefix: 7, kind: 'unique local (private)' },
  { network: 'fe80::', prefix: 10, kind: 'link-local' },
  { network: 'ff00::', prefix: 8, kind: 'multicast' },
];

const refusedRanges = REFUSED_RANGES.map((range) => {
  const list = new BlockList();
  list.addSubnet(range.network, range.prefix, isIP(range.network) === 6 ? 'ipv6' : 'ipv4');
  return { list, label: `${range.network}/${range.prefix}, ${range.kind}`, ipv6Only: range.ipv6Only ?? false };
});

/**
 * Why an address may not be forwarded to, or null when it is public. IPv4-mapped IPv6 addresses
 * (::ffff:127.0.0.1, ::ffff:7f00:1) match the IPv4 ranges: BlockList maps them.
 */
export function refusedRangeOf(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return null;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  return (
    refusedRanges.find(({ list, ipv6Only }) => (!ipv6Only || family === 6) && list.check(address, type))?.label ?? null
  );
}

/** A forward target the guard will not connect to; permanent, since retrying cannot change the answer. */
export class ForwardTargetRefusedError extends Error {
  override name = 'ForwardTargetRefusedError';
  readonly code = 'ERR_FORWARD_TARGET_REFUSED';
}

export interface ForwardNetworkPolicy {
  allowPrivateNetwork: boolean;
}

export type ForwardUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Whether a forward URL may be used: http or https, no credentials, and no literal non-public address
 * (unless allowed). Hostnames pass here; what they resolve to is checked when connecting (the agents below).
 */
export function checkForwardUrl(value: string, policy: ForwardNetworkPolicy): ForwardUrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: `${url.protocol} URLs are not allowed: use http or https` };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'credentials in the URL are not allowed' };
  }
  if (!policy.allowPrivateNetwork) {
    // The URL parser has already normalised 2130706433 and 0x7f.1 to 127.0.0.1; IPv6 keeps its brackets.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const range = refusedRangeOf(host);
    if (range) return { ok: false, reason: `${host} is in ${range}; set allowPrivateNetwork to forward there` };
  }
  return { ok: true, url };
}

export type ResolveHostname = (hostname: string, options: LookupOptions) => Promise<LookupAddress[]>;

const resolveWithSystemDns: ResolveHostname = (hostname, options) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** Why a hostname's addresses may not be reached: any of them, since the socket may try each (happy eyeballs). */
function refusalOfAddresses(hostname: string, addresses: readonly LookupAddress[]): string | null {
  for (const { address } of addresses) {
    const range = refusedRangeOf(address);
    if (range) return `${hostname} resolves to ${address} (${range}); set allowPrivateNetwork to forward there`;
  }
  return null;
}

const SAVE_LOOKUP_TIMEOUT_MS = 2000;

/**
 * The guard, applied when a forward URL is saved: checkForwardUrl, then every address its hostname resolves
 * to now (localhost, a name pointing inside the network). A name that does not resolve (yet) passes: its
 * records may come later, and the check at connect time still applies to every send.
 */
export async function checkForwardTarget(
  value: string,
  policy: ForwardNetworkPolicy,
  resolve: ResolveHostname = resolveWithSystemDns,
): Promise<ForwardUrlCheck> {
  const check = checkForwardUrl(value, policy);
  if (!check.ok || policy.allowPrivateNetwork) return check;
  const host = check.url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host)) return check;
  let timer: NodeJS.Timeout | undefined;
  try {
    const addresses = await Promise.race([
      resolve(host, { all: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('lookup timed out')), SAVE_LOOKUP_TIMEOUT_MS);
      }),
    ]);
    const reason = refusalOfAddresses(host, addresses);
    return reason ? { ok: false, reason } : check;
  } catch {
    return check;
  } finally {
    clearTimeout(timer);
  }
}

/** A `lookup` for sockets: resolves the hostname as the connection is made and refuses non-public addresses. */
function guardedLookup(policy: ForwardNetworkPolicy, resolve: ResolveHostname): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, options).then(
      (addresses) => {
        const refusal = policy.allowPrivateNetwork ? null : refusalOfAddresses(hostname, addresses);
        if (refusal) {
          callback(new ForwardTargetRefusedError(refusal), []);
          return;
        }
        const [first] = addresses;
        if (options.all) callback(null, addresses);
        else if (first) callback(null, first.address, first.family);
        else callback(Object.assign(new Error(`${hostname} has no addresses`), { code: 'ENOTFOUND' }), []);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}

export interface GuardedAgents extends ForwardNetworkPolicy {
  httpAgent: http.Agent;
  httpsAgent: https.Agent;
}

/**
 * An http and an https agent that check every resolved address at connect time. Literal IP hosts never
 * reach a lookup (Node connects to them directly), so callers run checkForwardUrl first, as forwardEvent
 * does. No keep-alive: each attempt resolves afresh, and a closed worker leaves no sockets behind.
 * `resolve` is for tests; it defaults to the system resolver.
 */
export function createGuardedAgents(
  policy: ForwardNetworkPolicy,
  options: { resolve?: ResolveHostname } = {},
): GuardedAgents {
  const lookup = guardedLookup(policy, options.resolve ?? resolveWithSystemDns);
  return {
    allowPrivateNetwork: policy.allowPrivateNetwork,
    httpAgent: new http.Agent({ keepAlive: false, lookup }),
    httpsAgent: new https.Agent({ keepAlive: false, lookup }),
  };
}
